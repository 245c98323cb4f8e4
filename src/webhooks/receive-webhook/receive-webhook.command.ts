import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../common/command-context.js';

export interface WebhookOutcome {
  readonly items: number;
  readonly appended: number;
  readonly duplicates: number;
  /** The last position written or found: wait for it to read what this payload changed. */
  readonly position: string | null;
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
  /** Items whose message id is already recorded with other content: kept out, reported, never retried by Meta. */
  readonly conflicts: readonly { readonly path: string; readonly code: string; readonly detail: string }[];
}

export class ReceiveWebhook extends Command<WebhookOutcome> {
  constructor(
    readonly payload: unknown,
    readonly context: Omit<CommandContext, 'raw'>,
  ) {
    super();
  }
}
