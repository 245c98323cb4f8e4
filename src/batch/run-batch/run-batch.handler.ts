import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { appended, explainConflict, formerAppend } from '../../common/append.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import { EventIdConflict } from '../../event-store/event-store.errors.js';
import { EventStore } from '../../event-store/event-store.port.js';
import type { AppendResult } from '../../event-store/event-store.port.js';
import { PendingDirectory, planCanonical } from '../command-catalog.js';
import { RunBatch } from './run-batch.command.js';

/**
 * All or nothing: every command is validated and planned before anything is written, and the
 * writes commit in one transaction. A command already recorded is a duplicate inside the batch,
 * not a failure of it.
 */
@CommandHandler(RunBatch)
export class RunBatchHandler implements ICommandHandler<RunBatch> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ commands, context, indexed }: RunBatch): Promise<Appended[]> {
    const directory = new PendingDirectory(this.directory);
    const writes: PlannedWrite[] = [];
    for (const [index, command] of commands.entries()) {
      const write = await planCanonical(command, context, directory, indexed ? `commands[${index}].` : '');
      directory.note(write);
      writes.push(write);
    }
    const prefix = (index: number) => (indexed ? `commands[${index}].` : '');
    const former: (AppendResult | undefined)[] = [];
    for (const [index, write] of writes.entries()) {
      try {
        former.push(await formerAppend(this.store, write));
      } catch (error) {
        throw explainConflict(write, error, prefix(index));
      }
    }
    try {
      const results = await this.store.appendMany(writes.filter((_, i) => !former[i]));
      return writes.map((write, i) => appended(write, former[i] ?? results.shift()!));
    } catch (error) {
      if (error instanceof EventIdConflict) {
        const index = writes.findIndex((w) => w.events.some((e) => e.id === error.eventId));
        if (index >= 0) throw explainConflict(writes[index]!, error, prefix(index));
      }
      throw error;
    }
  }
}
