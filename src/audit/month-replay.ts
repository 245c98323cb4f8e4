import { AccountTerms } from '../../projections/accounts/account-terms.js';
import type { Positioned, ThreadKey } from '../../projections/events.js';
import type { Invoice, InvoiceEvent } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import type { PolicyTimeline } from '../../projections/policies/timeline.js';
import { ChargeOrder } from '../../projections/rating/charge-order.js';
import type { RateCardBook } from '../../projections/rating/rate-card-book.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { Rater } from '../../projections/rating/rating.projection.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import type { AccountContext } from '../../projections/thread/thread.types.js';
import { monthPlus, parseInstant } from '../../projections/time/zone-calendar.js';
import { notFound } from '../common/ledger-error.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions, formatPosition, START } from '../event-store/position.js';
import { EngineState, SETTING_TYPES } from '../read-models/settings/engine-state.js';
import { INVOICE_TYPES, THREAD_TYPES, toPositioned } from '../read-models/threads/thread-history.js';

/** How much of the log a replay sees: up to a position, and only what was recorded by an instant. */
export interface Cut {
  readonly upTo?: Position;
  /** ISO-8601: events the ledger recorded after this instant are left out ("as known at"). */
  readonly asOf?: string;
}

interface ThreadExtent {
  readonly wabaId: string;
  /** Earliest and latest event instants (ms) within the index's cut. */
  first: number;
  last: number;
}

/** An instant in the canonical form metadata is recorded in, so that it compares as text. */
const canonical = (asOf: string | undefined): string | undefined => (asOf === undefined ? undefined : new Date(asOf).toISOString());

function within(event: StoredEvent, upTo: Position | undefined, asOf: string | undefined): 'in' | 'skip' | 'past' {
  if (upTo && comparePositions(event.position, upTo) > 0) return 'past';
  return asOf !== undefined && String(event.metadata.recordedAt) > asOf ? 'skip' : 'in';
}

/**
 * One pass over the log (up to a cut) that keeps what an audit replay needs and nothing that
 * grows with events: the accounts, numbers, cards and maps in log order (few), each thread's
 * WABA and the span of its event instants, and the invoices.
 */
export class LogIndex {
  private readonly settings: StoredEvent[] = [];
  private readonly threads = new Map<string, ThreadExtent>();
  /** States by how many settings they saw. */
  private readonly states = new Map<number, EngineState>();
  readonly invoices = new Map<string, Invoice>();
  /** The last event the cut lets in. */
  end: Position = START;

  private constructor(readonly cut: Cut) {}

  static async read(store: EventStore, cut: Cut = {}): Promise<LogIndex> {
    const index = new LogIndex(cut);
    const asOf = canonical(cut.asOf);
    for await (const batch of store.readAllBatches({ batchSize: 2_000 })) {
      for (const event of batch) {
        const verdict = within(event, cut.upTo, asOf);
        if (verdict === 'past') return index;
        if (verdict === 'in') index.add(event);
      }
    }
    return index;
  }

  private add(event: StoredEvent): void {
    this.end = event.position;
    if (THREAD_TYPES.has(event.type)) {
      const at = parseInstant((event.data as { timestamp: string }).timestamp);
      const extent = this.threads.get(event.stream);
      if (!extent) this.threads.set(event.stream, { wabaId: (event.data as ThreadKey).wabaId, first: at, last: at });
      else {
        if (at < extent.first) extent.first = at;
        if (at > extent.last) extent.last = at;
      }
      return;
    }
    if (INVOICE_TYPES.has(event.type)) {
      const data = event.data as InvoiceEvent['data'];
      const invoice = invoiceOf([{ type: event.type, data } as InvoiceEvent], this.invoices.get(data.invoiceId));
      if (invoice) this.invoices.set(invoice.invoiceId, invoice);
      return;
    }
    if (SETTING_TYPES.has(event.type)) this.settings.push(event);
  }

  /**
   * Accounts, cards and maps as the log had published them at `upTo` (at the cut when absent),
   * under a timeline. Read only: cuts that see the same settings share one state, so verifying
   * thousands of invoices does not replay the settings once each.
   */
  stateAt(upTo?: Position, timeline?: PolicyTimeline): EngineState {
    const past = upTo ? this.settings.findIndex((event) => comparePositions(event.position, upTo) > 0) : -1;
    const seen = past < 0 ? this.settings.length : past;
    const cached = timeline ? undefined : this.states.get(seen);
    if (cached) return cached;
    const state = new EngineState(timeline);
    for (const event of this.settings.slice(0, seen)) applySetting(state, event);
    if (!timeline) this.states.set(seen, state);
    return state;
  }

  /** The account at `upTo`, or ACCOUNT_UNKNOWN. */
  accountAt(wabaId: string, upTo?: Position): { state: EngineState; account: AccountContext } {
    const state = this.stateAt(upTo);
    const account = state.accounts.get(wabaId);
    if (!account) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId} in the log${upTo ? ` at ${formatPosition(upTo)}` : ''}`, 'wabaId');
    return { state, account };
  }

  /** Threads of these WABAs with an event inside [from, to), in order of their first event. */
  threadsOf(spans: ReadonlyMap<string, { from: number; to: number }>): { stream: string; first: number }[] {
    const found: { stream: string; first: number }[] = [];
    for (const [stream, extent] of this.threads) {
      const span = spans.get(extent.wabaId);
      if (span && extent.first < span.to && extent.last >= span.from) found.push({ stream, first: extent.first });
    }
    return found.sort((a, b) => a.first - b.first || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  }

  /** A thread's events within the index's cut, and up to `upTo`. */
  async thread(store: EventStore, stream: string, upTo = this.cut.upTo): Promise<Positioned[]> {
    const asOf = canonical(this.cut.asOf);
    const events: Positioned[] = [];
    for await (const event of store.readStream(stream)) {
      const verdict = within(event, upTo, asOf);
      if (verdict === 'past') break;
      if (verdict === 'in') events.push(toPositioned(event));
    }
    return events;
  }
}

/** The UTC instants a WABA's local month runs between. */
export function monthSpan(account: AccountContext, period: string): { from: number; to: number } {
  const calendar = AccountTerms.of(account).calendar;
  return { from: calendar.midnight(`${period}-01`), to: calendar.midnight(`${monthPlus(period, 1)}-01`) };
}

export interface MonthOptions {
  /** The log as it stood at this position; the index's cut when absent. */
  readonly upTo?: Position;
  /** Price with this book instead of the cards the log published (a what-if). */
  readonly book?: RateCardBook;
  /** List each line's unit ids (an explanation needs them; a verification does not). */
  readonly provenance?: boolean;
  /** Collects the threads read, and those with a unit in the month: the streams, besides settings, an invoice is computed from. */
  readonly threads?: { readonly read: Set<string>; readonly billed: Set<string> };
}

/**
 * One portfolio's month replayed from the log, thread by thread, with the state given (as of the
 * cut): each thread that has an event in the month is read from its own stream and folded, its
 * units wait in charge order only while earlier threads may still open units before them, and the
 * rater prices them as they go. Memory holds one thread's events and the units of open threads.
 */
export async function replayMonth(store: EventStore, index: LogIndex, state: EngineState, portfolioId: string, period: string, options: MonthOptions = {}): Promise<Map<string, InvoiceDraft>> {
  const members = [...(state.portfolios.get(portfolioId) ?? [])].sort();
  const accounts = new Map(members.map((waba) => [waba, state.accounts.get(waba)!]));
  // A unit is charged at one of its thread's event instants: a thread with none in the local month has no unit in it.
  const spans = new Map(members.map((waba) => [waba, monthSpan(accounts.get(waba)!, period)]));
  const rater = new Rater({ accounts, book: options.book ?? state.book, timeline: state.timeline, provenance: options.provenance ?? false });
  const order = new ChargeOrder((unit, at) => {
    if (rater.periodOf(unit, at) === period) rater.add(unit, at);
  });
  for (const { stream, first } of index.threadsOf(spans)) {
    const events = await index.thread(store, stream, options.upTo);
    const owner = events[0] && accounts.get(events[0].data.wabaId);
    options.threads?.read.add(stream);
    if (owner) {
      for (const unit of foldThread(events, owner, state.engine).units) {
        order.push(unit);
        if (options.threads && rater.periodOf(unit) === period) options.threads.billed.add(stream);
      }
    }
    order.release(first);
  }
  order.flush();
  return new Map(members.map((waba) => [waba, rater.draft(waba, period)]));
}

/** A setting the read models could not apply is recorded there as a failure and left out; a replay leaves it out too. */
function applySetting(state: EngineState, event: StoredEvent): void {
  try {
    state.apply(event);
  } catch {
    return;
  }
}
