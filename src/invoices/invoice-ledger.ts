import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvoiceEvent, Invoice } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { accountStream, invoiceStream, rateCardStream } from '../../projections/events.js';
import type { LogDigest } from '../event-store/event-chain.js';
import { logDigest } from '../event-store/event-chain.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { LedgerError, notFound } from '../common/ledger-error.js';
import { EventStore } from '../event-store/event-store.port.js';
import type { StoredEvent, StreamRevision } from '../event-store/event-store.port.js';
import { formatPosition, parsePosition } from '../event-store/position.js';
import { ReadModelReader } from '../read-models/read-model.reader.js';
import { draftBlocked, GetDraft } from '../read-models/queries/get-draft.query.js';
import type { Blocker } from '../read-models/queries/get-draft.query.js';
import { QueryBus } from '@nestjs/cqrs';
import type { Appended, PlannedWrite } from '../common/append.js';
import { appendPlanned } from '../common/append.js';
import type { CommandContext } from '../common/command-context.js';
import { ledgerEvent } from '../common/command-context.js';
import { WrongExpectedRevision } from '../event-store/event-store.errors.js';

export interface InvoiceRecord {
  readonly invoice: Invoice | undefined;
  readonly events: readonly StoredEvent[];
  readonly revision: StreamRevision;
}

export interface SettledDraft {
  readonly draft: InvoiceDraft;
  /** Every event up to here is in the draft: the basis an auditor replays to. */
  readonly position: string;
  /** Projection failures that touch the month: it must not be issued or revised. */
  readonly blocked: readonly Blocker[];
}

export interface InvoiceRow {
  readonly invoiceId: string;
  readonly wabaId: string;
  readonly period: string;
  readonly status: string;
  readonly revision: number;
  readonly currency: string;
  readonly total: string;
  readonly hash: string;
}

/** Invoices as their streams record them, and the settled drafts they are issued from. */
@Injectable()
export class InvoiceLedger {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(ReadModelReader) private readonly reader: ReadModelReader,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  async read(invoiceId: string, scope: Scope): Promise<InvoiceRecord> {
    const events: StoredEvent[] = [];
    for await (const event of this.store.readStream(invoiceStream(invoiceId))) events.push(event);
    const invoice = invoiceOf(events.map((e) => ({ type: e.type, data: e.data }) as InvoiceEvent));
    if (invoice && !inScope(scope, invoice.wabaId)) return { invoice: undefined, events: [], revision: 'no_stream' };
    return { invoice, events, revision: events.length ? events[events.length - 1]!.revision : 'no_stream' };
  }

  async require(invoiceId: string, scope: Scope): Promise<InvoiceRecord & { invoice: Invoice }> {
    const record = await this.read(invoiceId, scope);
    if (!record.invoice) throw notFound('INVOICE_UNKNOWN', `no invoice ${invoiceId}`, 'invoiceId');
    return record as InvoiceRecord & { invoice: Invoice };
  }

  /**
   * The draft of a month once nothing waits to be rated in its portfolio (volume tiers pool the
   * portfolio's WABAs, so another WABA's late unit can move this draft).
   */
  async settledDraft(scope: Scope, wabaId: string, period: string, minPosition?: string, timeoutMs = 10_000): Promise<SettledDraft> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.queries.execute(new GetDraft(scope, wabaId, period, minPosition));
      if (!answer.pending) return { draft: answer.draft, position: answer.ratedAt ?? answer.position, blocked: answer.blocked };
      if (Date.now() > deadline) throw new LedgerError('DRAFT_NOT_SETTLED', `the draft of ${wabaId} ${period} is still being rated; retry shortly`, 503, 'period');
      await sleep(50);
    }
  }

  /**
   * The digest of the streams a settled draft was computed from, at its basis. The units of the
   * portfolio's month are all rated at the basis (the draft is settled), so the threads with a
   * unit in the month are the ones a replay of the log up to the basis finds.
   */
  async logDigest(draft: InvoiceDraft, position: string): Promise<LogDigest> {
    const { tables, engine } = await this.reader.reflecting(undefined, false, draft.wabaId);
    const portfolio = engine.accounts.get(draft.wabaId)?.portfolioId;
    const members = [...((portfolio !== undefined ? engine.portfolios.get(portfolio) : undefined) ?? [draft.wabaId])];
    const rows = await this.reader.sql.all<{ stream: string }>(`SELECT DISTINCT stream FROM ${tables.units} WHERE waba_id IN (${members.map(() => '?').join(', ')}) AND period = ?`, [...members, draft.period]);
    return logDigest(this.store, digestStreams(members, rows.map((r) => r.stream), draft.basis.rateCards), parsePosition(position));
  }

  async list(scope: Scope, filter: { wabaId?: string; period?: string; status?: string; minPosition?: string }): Promise<InvoiceRow[]> {
    const { tables } = await this.reader.reflecting(filter.minPosition, false, filter.wabaId);
    const where: string[] = [];
    const params: string[] = [];
    for (const [column, value] of [['waba_id', filter.wabaId], ['period', filter.period], ['status', filter.status]] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    const rows = await this.reader.sql.all<{ invoice_id: string; waba_id: string; period: string; status: string; revision: number | string; currency: string; total: string; hash: string }>(
      `SELECT invoice_id, waba_id, period, status, revision, currency, total, hash FROM ${tables.invoices}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY period, waba_id`,
      params,
    );
    return rows
      .filter((r) => inScope(scope, r.waba_id))
      .map((r) => ({ invoiceId: r.invoice_id, wabaId: r.waba_id, period: r.period, status: r.status, revision: Number(r.revision), currency: r.currency, total: r.total, hash: r.hash }));
  }
}

export interface InvoiceAnswer extends Appended {
  readonly invoice: Invoice;
}

/** What an invoice is computed from: its portfolio's account streams, the threads with a unit in the month, and the rate cards that priced it. */
export function digestStreams(members: Iterable<string>, threads: Iterable<string>, rateCards: InvoiceDraft['basis']['rateCards']): string[] {
  return [...[...members].map(accountStream), ...threads, ...rateCards.map((card) => rateCardStream(card.id))];
}

/** Appends the next event of an invoice stream; a writer that got there first makes this one a 409. */
export async function appendInvoiceEvent(store: EventStore, record: InvoiceRecord, type: InvoiceEvent['type'], data: InvoiceEvent['data'], context: CommandContext): Promise<InvoiceAnswer> {
  const next = record.revision === 'no_stream' ? 0 : record.revision + 1;
  const write: PlannedWrite = {
    stream: invoiceStream(data.invoiceId),
    events: [ledgerEvent(type, `${data.invoiceId}:${next}`, data, context)],
    expected: record.revision,
    conflict: { code: 'INVOICE_CONFLICT', field: 'invoiceId', what: `invoice ${data.invoiceId} event ${next}` },
  };
  try {
    const result = await appendPlanned(store, write);
    const invoice = invoiceOf([{ type, data } as InvoiceEvent], record.invoice)!;
    return { ...result, invoice };
  } catch (error) {
    if (error instanceof WrongExpectedRevision) {
      throw new LedgerError('INVOICE_CONFLICT', `invoice ${data.invoiceId} changed while this command ran; read it again and retry`, 409, 'invoiceId');
    }
    throw error;
  }
}

/** What a command that changes nothing answers: the invoice as it stands, and its last event. */
export function unchanged(record: InvoiceRecord & { invoice: Invoice }): InvoiceAnswer {
  const last = record.events[record.events.length - 1]!;
  return { eventId: last.id, stream: last.stream, revision: last.revision, position: formatPosition(last.position), duplicate: true, invoice: record.invoice };
}

/** A month with projection failures on record is not issued or revised: its draft may miss or misprice units. */
export function refuseBlocked({ draft, blocked }: SettledDraft): void {
  if (blocked.length) throw draftBlocked(draft.wabaId, draft.period, blocked);
}

export function refuseUnpriced(draft: InvoiceDraft): void {
  if (draft.unpriced.length === 0) return;
  const reasons = [...new Set(draft.unpriced.map((u) => u.reason))].join('; ');
  throw new LedgerError('INVOICE_UNPRICED', `${draft.wabaId} ${draft.period} has units no rate card prices (${reasons}): publish the missing rates first`, 422, 'period');
}
