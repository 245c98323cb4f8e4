import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { PendingDirectory, planCanonical } from '../../batch/command-catalog.js';
import { appended, explainConflict } from '../../common/append.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import { LedgerError } from '../../common/ledger-error.js';
import { EventIdConflict } from '../../event-store/event-store.errors.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { comparePositions, parsePosition } from '../../event-store/position.js';
import { readPayload } from '../meta-payload.js';
import { ReceiveWebhook } from './receive-webhook.command.js';
import type { WebhookOutcome } from './receive-webhook.command.js';

/**
 * Meta retries a webhook until it gets a 200, so a repeated payload must append nothing and
 * still answer 200. Unknown accounts refuse the whole payload (Meta retries, and the account
 * may be registered by then); a conflicting item is reported and the rest are recorded.
 */
@CommandHandler(ReceiveWebhook)
export class ReceiveWebhookHandler implements ICommandHandler<ReceiveWebhook> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  /** The WABA's local date of an instant, in the zone its settings had then. */
  private async localDate(wabaId: string, at: string, context: ReceiveWebhook['context']): Promise<string> {
    const { registered, settings } = await this.directory.history(wabaId, context.scope);
    return AccountTerms.of({ ...registered, changes: settings }).localDate(Date.parse(at));
  }

  async execute({ payload, context }: ReceiveWebhook): Promise<WebhookOutcome> {
    const items = readPayload(payload);
    const directory = new PendingDirectory(this.directory);
    const writes: { path: string; write: PlannedWrite }[] = [];
    const ignored: { path: string; reason: string }[] = [];
    for (const item of items) {
      if ('ignored' in item) {
        ignored.push({ path: item.path, reason: item.ignored });
        continue;
      }
      const command = item.dateAt ? { ...item.command, effectiveFrom: await this.localDate(item.command.wabaId as string, item.dateAt, context) } : item.command;
      writes.push({ path: item.path, write: await planCanonical(command, { ...context, raw: item.raw }, directory, `${item.path}.`) });
    }
    const results: Appended[] = [];
    const conflicts: { path: string; code: string; detail: string }[] = [];
    try {
      const all = await this.store.appendMany(writes.map((w) => w.write));
      all.forEach((result, i) => results.push(appended(writes[i]!.write, result)));
    } catch (error) {
      if (!(error instanceof EventIdConflict)) throw error;
      for (const { path, write } of writes) {
        try {
          results.push(appended(write, await this.store.append(write.stream, write.events, { expected: write.expected })));
        } catch (itemError) {
          const explained = explainConflict(write, itemError, `${path}.`);
          if (!(explained instanceof LedgerError)) throw itemError;
          conflicts.push({ path, code: explained.code, detail: explained.message });
        }
      }
    }
    const fresh = results.filter((r) => !r.duplicate).length;
    return {
      items: items.length,
      appended: fresh,
      duplicates: results.length - fresh,
      position: results.length ? results.map((r) => r.position).reduce((a, b) => (comparePositions(parsePosition(a), parsePosition(b)) >= 0 ? a : b)) : null,
      ignored,
      conflicts,
    };
  }
}
