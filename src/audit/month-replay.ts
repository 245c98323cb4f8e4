import type { ThreadKey } from '../../projections/events.js';
import type { Invoice, InvoiceEvent } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import { ChargeOrder } from '../../projections/rating/charge-order.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { Rater } from '../../projections/rating/rating.projection.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import { monthPlus, parseInstant, ZoneCalendar } from '../../projections/time/zone-calendar.js';
import { notFound } from '../common/ledger-error.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions, formatPosition } from '../event-store/position.js';
import { THREAD_TYPES, threadHistory } from '../read-models/thread-history.js';
import { History } from './history.js';

const INVOICE_TYPES = new Set(['InvoiceIssued', 'InvoiceRevised', 'InvoiceVoided']);

interface ThreadExtent {
  readonly wabaId: string;
  /** Earliest and latest event instants (ms) in the whole log. */
  first: number;
  last: number;
}

/**
 * One pass over the log that keeps what a month's replay needs and nothing that grows with
 * events: the accounts, numbers, cards and maps in log order (few), each thread's WABA and the
 * span of its event instants, and the invoices.
 */
export class LogIndex {
  private readonly settings: StoredEvent[] = [];
  private readonly threads = new Map<string, ThreadExtent>();
  readonly invoices = new Map<string, Invoice>();

  static async read(store: EventStore): Promise<LogIndex> {
    const index = new LogIndex();
    for await (const batch of store.readAllBatches({ batchSize: 2_000 })) for (const event of batch) index.add(event);
    return index;
  }

  private add(event: StoredEvent): void {
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
    this.settings.push(event);
  }

  /** Accounts, cards and maps as the log had published them at `upTo`. */
  stateAt(upTo: Position): History {
    const history = new History(new Set());
    for (const event of this.settings) {
      if (comparePositions(event.position, upTo) > 0) break;
      history.add(event);
    }
    return history;
  }

  /** Threads of these WABAs with an event inside [from, to), in order of their first event. */
  threadsOf(wabas: ReadonlyMap<string, { from: number; to: number }>): { stream: string; first: number }[] {
    const found: { stream: string; first: number }[] = [];
    for (const [stream, extent] of this.threads) {
      const span = wabas.get(extent.wabaId);
      if (span && extent.first < span.to && extent.last >= span.from) found.push({ stream, first: extent.first });
    }
    return found.sort((a, b) => a.first - b.first || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  }
}

/**
 * One portfolio's month replayed from the log as it stood at `upTo`, thread by thread: each
 * thread that has an event in the month is read from its own stream and folded, its units wait in
 * charge order only while earlier threads may still open units before them, and the rater prices
 * them as they go. Memory holds one thread's events and the units of open threads, not the month.
 */
export async function replayMonth(store: EventStore, index: LogIndex, wabaId: string, period: string, upTo: Position): Promise<Map<string, InvoiceDraft>> {
  const { state } = index.stateAt(upTo);
  const account = state.accounts.get(wabaId);
  if (!account) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId} in the log at ${formatPosition(upTo)}`, 'wabaId');
  const members = [...(state.portfolios.get(account.portfolioId) ?? [])].sort();
  const accounts = new Map(members.map((waba) => [waba, state.accounts.get(waba)!]));
  // A unit is charged at one of its thread's event instants: a thread with none in the local month has no unit in it.
  const spans = new Map(
    members.map((waba) => {
      const calendar = ZoneCalendar.of(accounts.get(waba)!.timezone);
      return [waba, { from: calendar.midnight(`${period}-01`), to: calendar.midnight(`${monthPlus(period, 1)}-01`) }];
    }),
  );
  const rater = new Rater({ accounts, book: state.book, timeline: state.timeline, provenance: false });
  const order = new ChargeOrder((unit, at) => {
    if (rater.periodOf(unit, at) === period) rater.add(unit, at);
  });
  for (const { stream, first } of index.threadsOf(spans)) {
    const events = await threadHistory(store, stream, upTo);
    const owner = events[0] && accounts.get(events[0].data.wabaId);
    if (owner) for (const unit of foldThread(events, owner, state.engine).units) order.push(unit);
    order.release(first);
  }
  order.flush();
  return new Map(members.map((waba) => [waba, rater.draft(waba, period)]));
}
