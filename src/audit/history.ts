import type {
  AccountRegisteredData,
  AccountSettingsChangedData,
  MarketMapPublishedData,
  PhoneNumberAttachedData,
  Positioned,
  RateCardPublishedData,
  ThreadKey,
} from '../../projections/events.js';
import { accountStream } from '../../projections/events.js';
import type { Invoice, InvoiceEvent } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import type { PolicyTimeline } from '../../projections/policies/timeline.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { rateMonth } from '../../projections/rating/rating.projection.js';
import type { RateCardBook } from '../../projections/rating/rate-card-book.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import type { AccountContext, BillableUnit, ThreadResult } from '../../projections/thread/thread.types.js';
import { notFound } from '../common/ledger-error.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions, START } from '../event-store/position.js';
import { EngineState } from '../read-models/engine-state.js';
import { THREAD_TYPES, toPositioned } from '../read-models/thread-history.js';

/** How much of the log a replay sees: up to a position, and only what was recorded by an instant. */
export interface Cut {
  readonly upTo?: Position;
  /** ISO-8601: events the ledger recorded after this instant are left out ("as known at"). */
  readonly asOf?: string;
}

const INVOICE_TYPES = new Set(['InvoiceIssued', 'InvoiceRevised', 'InvoiceVoided']);

/**
 * The log replayed in memory for the portfolios an auditor asks about, independent of the read
 * models: the accounts, cards and maps as published, every thread of those portfolios, and the
 * invoices. Memory holds those portfolios' thread events.
 */
export class History {
  readonly state: EngineState;
  readonly threads = new Map<string, Positioned[]>();
  readonly invoices = new Map<string, Invoice>();
  end: Position = START;
  private folded: Map<string, ThreadResult> | undefined;

  constructor(
    /** The portfolios whose threads are kept; all of them when absent. */
    private readonly portfolios: ReadonlySet<string> | undefined,
    timeline?: PolicyTimeline,
  ) {
    this.state = new EngineState(timeline);
  }

  add(event: StoredEvent): void {
    this.end = event.position;
    this.folded = undefined;
    if (THREAD_TYPES.has(event.type)) {
      if (this.portfolios?.size === 0) return;
      const account = this.state.accounts.get((event.data as ThreadKey).wabaId);
      if (this.portfolios && !(account && this.portfolios.has(account.portfolioId))) return;
      let events = this.threads.get(event.stream);
      if (!events) this.threads.set(event.stream, (events = []));
      events.push(toPositioned(event));
      return;
    }
    if (INVOICE_TYPES.has(event.type)) {
      const data = event.data as InvoiceEvent['data'];
      const invoice = invoiceOf([{ type: event.type, data } as InvoiceEvent], this.invoices.get(data.invoiceId));
      if (invoice) this.invoices.set(invoice.invoiceId, invoice);
      return;
    }
    switch (event.type) {
      case 'AccountRegistered':
        this.state.register(event.data as AccountRegisteredData);
        return;
      case 'AccountSettingsChanged':
        this.state.change(event.data as AccountSettingsChangedData);
        return;
      case 'PhoneNumberAttached': {
        const data = event.data as PhoneNumberAttachedData;
        this.state.numbers.set(data.phoneNumberId, data.wabaId);
        return;
      }
      case 'RateCardPublished':
        this.state.publishCard(event.data as RateCardPublishedData);
        return;
      case 'MarketMapPublished':
        this.state.publishMap(event.data as MarketMapPublishedData);
        return;
    }
  }

  account(wabaId: string): AccountContext {
    const account = this.state.accounts.get(wabaId);
    if (!account) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId} in the log as replayed`, 'wabaId');
    return account;
  }

  /** Every kept thread folded with the decisions traced, as the runner folds it: with the state at the end. */
  folds(): Map<string, ThreadResult> {
    if (this.folded) return this.folded;
    this.folded = new Map();
    for (const [stream, events] of this.threads) {
      const account = this.state.accounts.get((events[0]!.data as ThreadKey).wabaId);
      if (account) this.folded.set(stream, foldThread(events, account, this.state.engine, { trace: true }));
    }
    return this.folded;
  }

  units(): BillableUnit[] {
    return [...this.folds().values()].flatMap((r) => r.units);
  }

  /** Stage 2 for one month of one portfolio: every member's draft, volume tiers pooled. */
  drafts(portfolioId: string, period: string, book: RateCardBook = this.state.book): Map<string, InvoiceDraft> {
    const members = [...(this.state.portfolios.get(portfolioId) ?? [])].sort();
    const accounts = new Map(members.map((waba) => [waba, this.state.accounts.get(waba)!]));
    const units = this.units().filter((u) => accounts.has(u.wabaId));
    return rateMonth({ period, accounts, units, book, timeline: this.state.timeline });
  }

  draft(wabaId: string, period: string): InvoiceDraft {
    return this.drafts(this.account(wabaId).portfolioId, period).get(wabaId)!;
  }
}

/** Replays the log up to the cut, keeping the threads of the given portfolios (all when absent). */
export async function replayLog(store: EventStore, cut: Cut, portfolios?: ReadonlySet<string>, timeline?: PolicyTimeline): Promise<History> {
  const history = new History(portfolios, timeline);
  const asOf = cut.asOf === undefined ? undefined : new Date(cut.asOf).toISOString();
  for await (const batch of store.readAllBatches({ batchSize: 2_000 })) {
    for (const event of batch) {
      if (cut.upTo && comparePositions(event.position, cut.upTo) > 0) return history;
      if (asOf !== undefined && String(event.metadata.recordedAt) > asOf) continue;
      history.add(event);
    }
  }
  return history;
}

/** The portfolio a WABA belongs to, from its own stream: a replay keeps only that portfolio's threads. */
export async function portfolioOf(store: EventStore, wabaId: string): Promise<string> {
  for await (const event of store.readStream(accountStream(wabaId), { maxCount: 1 })) {
    if (event.type === 'AccountRegistered') return (event.data as AccountRegisteredData).portfolioId;
  }
  throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, 'wabaId');
}

export async function replayAccount(store: EventStore, wabaId: string, cut: Cut): Promise<History> {
  return replayLog(store, cut, new Set([await portfolioOf(store, wabaId)]));
}
