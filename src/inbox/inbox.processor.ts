import type { Logger } from 'pino';
import type { AccountDirectory } from '../accounts/account-directory.js';
import { SYSTEM } from '../auth/scope.js';
import { MAX_NESTING } from '../common/body-depth.interceptor.js';
import type { Clock } from '../common/clock.js';
import type { CommandContext } from '../common/command-context.js';
import { nesting } from '../common/edge-rules.js';
import { storeTrouble } from '../event-store/event-store.errors.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import type { InboxState, ParkedRecord } from './inbox-state.js';
import { PendingDirectory } from '../batch/command-catalog.js';
import { appendPlans, planPayload, recordItem } from './process-payload.js';
import type { PayloadOutcome, PayloadPlan } from './process-payload.js';

/** Every webhook payload, as received, in the order received: one stream, read by revision. */
export const INBOX_STREAM = 'inbox-webhooks';

export interface WebhookReceivedData {
  readonly sha256: string;
  /** The body as Meta sent it (UTF-8). */
  readonly body: string;
}

export const WEBHOOK_SCOPE = { ...SYSTEM, actor: 'meta-webhook' };

/** Payloads read, planned and appended together. */
const PAGE = 200;

export interface RedriveResult {
  readonly tried: number;
  readonly recorded: number;
  readonly parked: number;
}

/**
 * Turns the inbox's payloads into commands, in the order they arrived, and keeps what it could not
 * record parked: items waiting for an account or number are tried again once it is registered;
 * any item, on a redrive. Store trouble leaves the checkpoint where it was, so a payload is never
 * skipped; anything else a payload raises parks it, so none can stop the inbox. Plain data in,
 * no framework: the server follows the inbox with one in a thread of its own (inbox.worker.ts),
 * and answers lag and redrives with another.
 */
export class InboxProcessor {
  constructor(
    private readonly store: EventStore,
    private readonly directory: AccountDirectory,
    private readonly state: InboxState,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Told how many items stay parked after any change to them. */
    private readonly parkedNow: (count: number) => void = () => undefined,
  ) {}

  /**
   * Processes payloads past the checkpoint, a page at a time, up to `max`; how many it processed.
   * A page's commands go to the store in one append, and its outcomes to the inbox's records in
   * three statements: the processor keeps up with the route by doing per page what it can.
   */
  async drain(max = Number.POSITIVE_INFINITY): Promise<number> {
    let done = 0;
    while (done < max) {
      const page: StoredEvent[] = [];
      for await (const event of this.store.readStream(INBOX_STREAM, { from: (await this.state.processed()) + 1, maxCount: PAGE })) page.push(event);
      if (!page.length) break;
      const at = this.clock().toISOString();
      const pending = new PendingDirectory(this.directory);
      const planned: (PayloadPlan | PayloadOutcome)[] = [];
      for (const event of page) {
        const { sha256, body } = event.data as WebhookReceivedData;
        planned.push(await this.planOf(sha256, body, at, pending));
      }
      const plans = planned.filter((p): p is PayloadPlan => 'writes' in p);
      const appended = await appendPlans(plans, this.store);
      let next = 0;
      const outcomes = planned.map((p) => ('writes' in p ? appended[next++]! : p));
      await this.state.recordPage(
        page.map((event, i) => ({ revision: event.revision, sha256: (event.data as WebhookReceivedData).sha256, outcome: outcomes[i]! })),
        at,
      );
      done += page.length;
    }
    if (done) this.parkedNow(await this.state.countUnresolved());
    return done;
  }

  /** How many payloads wait in the inbox. */
  async lag(): Promise<number> {
    const revision = await this.store.streamRevision(INBOX_STREAM);
    return typeof revision === 'number' ? revision - (await this.state.processed()) : 0;
  }

  /** Parked items whose account (and number) may exist now, tried again; those still missing stay as they are. */
  async retryWaiting(): Promise<RedriveResult> {
    const waiting = await this.state.unresolved({ waiting: true });
    // Asked once per account, or account and number, however many items wait for it.
    const known = new Map<string, boolean>();
    const ready: ParkedRecord[] = [];
    for (const item of waiting) {
      const key = `${item.wabaId!}|${item.phoneNumberId ?? ''}`;
      let exists = known.get(key);
      if (exists === undefined) known.set(key, (exists = await this.directory.has(item.wabaId!, item.phoneNumberId ?? undefined)));
      if (exists) ready.push(item);
    }
    return this.retry(ready);
  }

  /** Every parked item (or those named) tried again now, after a fix. */
  async redrive(ids: readonly string[] | 'all'): Promise<RedriveResult> {
    await this.drain();
    return this.retry(await this.state.unresolved(ids === 'all' ? {} : { ids }));
  }

  private async retry(items: readonly ParkedRecord[]): Promise<RedriveResult> {
    let recorded = 0;
    for (const item of items) {
      const at = this.clock().toISOString();
      const context = this.context(item.payload, at);
      if (item.item === null) {
        // The payload itself could not be read: read it again from the inbox, whole.
        let event: StoredEvent | undefined;
        for await (const found of this.store.readStream(INBOX_STREAM, { from: item.revision, maxCount: 1 })) event = found;
        const { sha256, body } = event!.data as WebhookReceivedData;
        const outcome = await this.outcomeOf(sha256, body, at);
        if (outcome.parked.some((p) => p.path === '')) continue;
        await this.state.record(item.revision, sha256, outcome, at);
        await this.state.resolve(item.id, at, outcome.position);
        recorded += 1;
        continue;
      }
      const { command, raw, dateAt } = item.item;
      const result = await recordItem(command, raw, dateAt, item.path, context, this.directory, this.store);
      if ('appended' in result) {
        await this.state.resolve(item.id, at, result.appended.position);
        recorded += 1;
      } else await this.state.again(item.id, result.parked);
    }
    if (items.length) this.parkedNow(await this.state.countUnresolved());
    return { tried: items.length, recorded, parked: items.length - recorded };
  }

  /** A payload planned, or, when it cannot even be planned, its outcome: parked whole. */
  private async planOf(sha256: string, body: string, at: string, pending?: PendingDirectory): Promise<PayloadPlan | PayloadOutcome> {
    const whole = (code: string, reason: string): PayloadOutcome => ({
      items: 0,
      appended: 0,
      duplicates: 0,
      position: null,
      ignored: [],
      parked: [{ path: '', code, reason, wabaId: null, phoneNumberId: null, command: null, raw: null, dateAt: null }],
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      return whole('WEBHOOK_MALFORMED', `the payload is not JSON: ${(error as Error).message}`);
    }
    if (nesting(parsed, MAX_NESTING) > MAX_NESTING) return whole('BODY_TOO_DEEP', `the payload nests deeper than ${MAX_NESTING} levels`);
    try {
      return await planPayload(parsed, this.context(sha256, at), this.directory, pending);
    } catch (error) {
      if (storeTrouble(error)) throw error;
      this.logger.error({ err: error, payload: sha256 }, 'a webhook payload could not be processed; parked');
      return whole('PROCESSING_FAILED', error instanceof Error ? error.message : String(error));
    }
  }

  private async outcomeOf(sha256: string, body: string, at: string): Promise<PayloadOutcome> {
    const planned = await this.planOf(sha256, body, at);
    return 'writes' in planned ? (await appendPlans([planned], this.store))[0]! : planned;
  }

  private context(sha256: string, at: string): Omit<CommandContext, 'raw'> {
    return { scope: WEBHOOK_SCOPE, source: 'webhook', correlationId: `webhook:${sha256}`, recordedAt: at };
  }
}
