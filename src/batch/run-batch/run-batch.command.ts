import { Command } from '@nestjs/cqrs';
import type { Appended } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';

export class RunBatch extends Command<Appended[]> {
  constructor(
    readonly commands: readonly unknown[],
    readonly context: CommandContext,
    /** Name failing fields `commands[i].field`, as in a batch request; off for one command read on its own (a replay line). */
    readonly indexed = true,
  ) {
    super();
  }
}
