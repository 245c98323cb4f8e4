import { createHash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { ledgerEvent } from '../../common/command-context.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { formatPosition } from '../../event-store/position.js';
import { INBOX_STREAM } from '../../inbox/inbox.processor.js';
import type { WebhookReceivedData } from '../../inbox/inbox.processor.js';
import { ReceiveWebhook } from './receive-webhook.command.js';
import type { WebhookReceipt } from './receive-webhook.command.js';

/**
 * Meta retries a webhook until it gets a 200, and must get one for everything it signed: the
 * payload goes to the inbox as received, once (its id is its sha256), and the inbox processor
 * turns it into commands. What cannot be recorded is parked there, never refused here.
 */
@CommandHandler(ReceiveWebhook)
export class ReceiveWebhookHandler implements ICommandHandler<ReceiveWebhook> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ body, context }: ReceiveWebhook): Promise<WebhookReceipt> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    const data: WebhookReceivedData = { sha256, body: body.toString('utf8') };
    const result = await this.store.append(INBOX_STREAM, [ledgerEvent('WebhookReceived', sha256, data, context)], { expected: 'any' });
    return { payload: sha256, duplicate: result.duplicate, position: formatPosition(result.position) };
  }
}
