import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../common/command-context.js';

export interface WebhookReceipt {
  /** The payload's sha256: `GET /webhooks/payloads/{payload}` tells what it came to. */
  readonly payload: string;
  /** Already in the inbox: Meta sent it again. */
  readonly duplicate: boolean;
  /** The inbox position of the payload. */
  readonly position: string;
}

/** A signed payload, as received, for the inbox. */
export class ReceiveWebhook extends Command<WebhookReceipt> {
  constructor(
    readonly body: Buffer,
    readonly context: Omit<CommandContext, 'raw'>,
  ) {
    super();
  }
}
