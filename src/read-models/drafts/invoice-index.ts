import type { InvoiceEvent, Invoice } from '../../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../../projections/invoices/invoice-lifecycle.js';
import type { EventStore, StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import { comparePositions, formatPosition, parsePosition } from '../../event-store/position.js';
import type { FailureLog } from '../failures/failure-log.js';
import { faultOf } from '../failures/failure-log.js';
import type { Writes } from '../processor/writes.js';
import type { ReadModelTables } from '../read-model.schema.js';
import type { Sql } from '../sql.js';

const COLUMNS = ['invoice_id', 'partition', 'waba_id', 'period', 'status', 'revision', 'currency', 'total', 'hash', 'position', 'data'];

/** The invoice table is an index for listing; the invoice stream stays the record. */
interface Indexed {
  readonly invoice: Invoice;
  /** The last event applied. */
  readonly position: Position;
}

export class InvoiceIndex {
  private readonly latest = new Map<string, Indexed>();

  constructor(
    private readonly tables: ReadModelTables,
    private readonly sql: Sql,
    private readonly failures: FailureLog,
  ) {}

  async apply(event: StoredEvent, partition: number, writes: Writes): Promise<void> {
    const data = event.data as Partial<InvoiceEvent['data']> | null;
    try {
      const id = String(data?.invoiceId);
      const before = this.latest.get(id) ?? (await this.stored(id));
      // An event applied already (a rebuild stopped after its rows, before its checkpoints) is not applied twice.
      if (before && comparePositions(event.position, before.position) <= 0) return;
      const invoice = invoiceOf([{ type: event.type, data } as InvoiceEvent], before?.invoice);
      if (invoice) this.put(invoice, partition, event.position, writes);
    } catch (error) {
      this.failed(event, partition, error, writes);
    }
  }

  /** A retry reads the invoice's whole stream again. */
  async retry(store: EventStore, stream: string, partition: number, writes: Writes): Promise<boolean> {
    const events: StoredEvent[] = [];
    for await (const event of store.readStream(stream)) events.push(event);
    const last = events[events.length - 1];
    if (!last) return false;
    try {
      const invoice = invoiceOf(events.map((e) => ({ type: e.type, data: e.data }) as InvoiceEvent));
      if (invoice) this.put(invoice, partition, last.position, writes);
      this.failures.clear(writes, 'event', stream);
      return true;
    } catch (error) {
      this.failed(last, partition, error, writes);
      return false;
    }
  }

  committed(): void {
    this.latest.clear();
  }

  private put(invoice: Invoice, partition: number, at: Position, writes: Writes): void {
    const position = formatPosition(at);
    this.latest.set(invoice.invoiceId, { invoice, position: at });
    writes.insertMany(
      this.tables.invoices,
      COLUMNS,
      [[invoice.invoiceId, partition, invoice.wabaId, invoice.period, invoice.status, invoice.revision, invoice.currency, invoice.total, invoice.hash, position, JSON.stringify(invoice)]],
      `ON CONFLICT (invoice_id) DO UPDATE SET status = excluded.status, revision = excluded.revision, currency = excluded.currency, total = excluded.total,
       hash = excluded.hash, position = excluded.position, data = excluded.data`,
    );
  }

  private failed(event: StoredEvent, partition: number, error: unknown, writes: Writes): void {
    const data = event.data as Partial<InvoiceEvent['data']> | null;
    const { code, message } = faultOf(error, 'INVOICE_INDEX_FAILED');
    const wabaId = typeof data?.wabaId === 'string' ? data.wabaId : undefined;
    const blocks = wabaId ? [{ wabaId, period: typeof data?.period === 'string' ? data.period : '*' }] : [];
    this.failures.record(writes, { kind: 'event', subject: event.stream, partition, position: formatPosition(event.position), stream: event.stream, eventType: event.type, code, message, blocks, ...(wabaId ? { wabaId } : {}) });
  }

  private async stored(invoiceId: string): Promise<Indexed | undefined> {
    const rows = await this.sql.all<{ data: string; position: string }>(`SELECT data, position FROM ${this.tables.invoices} WHERE invoice_id = ?`, [invoiceId]);
    return rows[0] ? { invoice: JSON.parse(rows[0].data) as Invoice, position: parsePosition(rows[0].position) } : undefined;
  }
}
