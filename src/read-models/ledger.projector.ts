import { streamWaba } from '../../projections/events.js';
import { AccountTerms } from '../../projections/accounts/account-terms.js';
import { monthPlus } from '../../projections/time/zone-calendar.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { DraftsProjection } from './drafts/drafts.projection.js';
import { InvoiceIndex } from './drafts/invoice-index.js';
import { FailureLog } from './failures/failure-log.js';
import type { Checkpoint } from './processor/checkpoints.js';
import type { PageReport, Projector, ProjectorFactory, Settled } from './processor/projector.js';
import type { Writes } from './processor/writes.js';
import type { ReadModelTables } from './read-model.schema.js';
import type { EngineState } from './settings/engine-state.js';
import { SettingsProjection } from './settings/settings.projection.js';
import type { Sql } from './sql.js';
import { firstWaba, INVOICE_TYPES, THREAD_TYPES } from './threads/thread-history.js';
import { ThreadsProjection } from './threads/threads.projection.js';

export interface LedgerProjectionOptions {
  /** Portfolio-months whose rater is kept to extend with later units. */
  readonly heldMonths?: number;
  /** The ledger's clock, for when a failure was first and last seen. */
  readonly clock?: () => Date;
}

/** The ledger's projections behind the processor's generic face: settings, threads (stage 1), drafts (stage 2), and the invoice index. */
export class LedgerProjectors implements ProjectorFactory {
  private readonly settings: SettingsProjection;

  constructor(
    readonly tables: ReadModelTables,
    private readonly sql: Sql,
    private readonly store: EventStore,
    private readonly options: LedgerProjectionOptions = {},
  ) {
    this.settings = new SettingsProjection(tables);
  }

  async open(partitions: ReadonlySet<number>, at: Checkpoint): Promise<LedgerProjector> {
    const clock = this.options.clock ?? (() => new Date());
    const state = await this.settings.load(this.sql, at.position);
    const failures = new FailureLog(this.tables, clock);
    await failures.load(this.sql, [...partitions]);
    const drafts = await DraftsProjection.open(this.tables, this.sql, state, failures, [...partitions], this.options.heldMonths ?? 2_000);
    const threads = new ThreadsProjection(this.tables, this.sql, this.store, state, failures, drafts, partitions);
    const invoices = new InvoiceIndex(this.tables, this.sql, failures);
    return new LedgerProjector(this.sql, this.store, partitions, state, this.settings, threads, drafts, invoices, failures);
  }
}

/** One cohort's projections: routes each event to the partitions it concerns and lets each projection do its part. */
export class LedgerProjector implements Projector {
  /** The WABA of each thread whose number is not attached, by its first event. */
  private readonly firsts = new Map<string, string>();
  private retriesAt = 0;

  constructor(
    private readonly sql: Sql,
    private readonly store: EventStore,
    private readonly partitions: ReadonlySet<number>,
    private readonly state: EngineState,
    private readonly settings: SettingsProjection,
    private readonly threads: ThreadsProjection,
    private readonly drafts: DraftsProjection,
    private readonly invoices: InvoiceIndex,
    private readonly failures: FailureLog,
  ) {}

  get waiting(): ReadonlySet<number> {
    return this.drafts.waiting;
  }

  async page(events: readonly StoredEvent[], end: Position, writes: Writes): Promise<PageReport> {
    await this.takeRetries(writes);
    let shared = false;
    for (const event of events) {
      if (THREAD_TYPES.has(event.type)) await this.routeThread(event, writes);
      else if (INVOICE_TYPES.has(event.type)) await this.routeInvoice(event, writes);
      else shared = (await this.applySetting(event, writes)) || shared;
    }
    const folded = await this.threads.fold(end, writes);
    return { folded, shared };
  }

  settle(end: Position, writes: Writes): Promise<Settled> {
    return this.drafts.settle(end, writes);
  }

  committed(): void {
    this.threads.committed();
    this.invoices.committed();
  }

  private mine(wabaId: string | undefined): number | undefined {
    const partition = wabaId === undefined ? undefined : this.state.partitionOf(wabaId);
    return partition !== undefined && this.partitions.has(partition) ? partition : undefined;
  }

  /** A thread event goes to the partition of its thread's WABA; before that WABA is registered the thread waits, as an orphan. */
  private async routeThread(event: StoredEvent, writes: Writes): Promise<void> {
    const wabaId = streamWaba(event.stream) ?? (await this.firstWaba(event));
    if (wabaId === undefined) return;
    if (!this.state.accounts.has(wabaId)) this.threads.orphan(event.stream, wabaId, writes);
    else if (this.mine(wabaId) !== undefined) this.threads.add(event);
  }

  private async firstWaba(event: StoredEvent): Promise<string | undefined> {
    let wabaId = this.firsts.get(event.stream);
    if (wabaId === undefined) {
      const named = event.revision === 0 ? (event.data as { wabaId?: unknown } | null)?.wabaId : await firstWaba(this.store, event.stream);
      if (typeof named !== 'string') return undefined;
      if (this.firsts.size >= 100_000) this.firsts.clear();
      this.firsts.set(event.stream, (wabaId = named));
    }
    return wabaId;
  }

  private async routeInvoice(event: StoredEvent, writes: Writes): Promise<void> {
    const partition = this.mine((event.data as { wabaId?: string } | null)?.wabaId);
    if (partition !== undefined) await this.invoices.apply(event, partition, writes);
  }

  /** Applies a setting every partition shares, and does what it implies for this cohort's. */
  private async applySetting(event: StoredEvent, writes: Writes): Promise<boolean> {
    const applied = this.settings.apply(this.state, event, writes, this.failures, this.partitions);
    if (!applied) return false;
    switch (applied.type) {
      case 'AccountRegistered':
      case 'AccountSettingsChanged': {
        const { wabaId } = applied.account;
        if (applied.type === 'AccountRegistered') this.threads.registered(wabaId, writes);
        if (this.mine(wabaId) === undefined) break;
        // Threads recorded before their account was known waited for it; a changed setting folds them all again.
        this.threads.refoldAccount(wabaId);
        if (applied.type === 'AccountSettingsChanged') await this.drafts.markAccounts([wabaId], '0000-00', writes);
        break;
      }
      case 'RateCardPublished':
      case 'RateCardWithdrawn': {
        // Prices changed, units did not: only stage 2 reruns, for the months the card can reach.
        const wabas = [...this.state.accounts.values()].filter((a) => AccountTerms.of(a).rateCards().has(applied.data.rateCardId) && this.mine(a.wabaId) !== undefined).map((a) => a.wabaId);
        await this.drafts.markAccounts(wabas, monthPlus(applied.data.effectiveFrom.slice(0, 7), -1), writes);
        break;
      }
      case 'MarketMapPublished':
        for (const wabaId of this.state.accounts.keys()) if (this.mine(wabaId) !== undefined) this.threads.refoldAccount(wabaId);
        break;
      case 'PhoneNumberAttached':
        break;
    }
    return true;
  }

  /** Failures someone asked to retry, at most twice a second: a thread is folded again, a month rated again, an invoice indexed again. */
  private async takeRetries(writes: Writes): Promise<void> {
    if (!this.failures.known.size || performance.now() < this.retriesAt) return;
    this.retriesAt = performance.now() + 500;
    for (const retry of await this.failures.retries(this.sql, [...this.partitions])) {
      if (retry.kind === 'thread') this.threads.refold(retry.subject);
      else if (retry.kind === 'month') {
        const period = retry.subject.slice(retry.subject.lastIndexOf('/') + 1);
        const members = this.state.portfolios.get(retry.subject.slice(0, retry.subject.lastIndexOf('/'))) ?? [];
        for (const wabaId of members) this.drafts.changed(wabaId, period, writes);
      } else if (INVOICE_STREAM.test(retry.subject)) await this.invoices.retry(this.store, retry.subject, this.mine(retry.wabaId ?? undefined) ?? 0, writes);
      else this.failures.seenAgain(writes, retry.id);
    }
  }
}

const INVOICE_STREAM = /^invoice-/;
