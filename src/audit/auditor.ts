import { AccountTerms } from '../../projections/accounts/account-terms.js';
import { Inject, Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { explainThread } from '../../projections/audit/explain.js';
import type { ExplainedDecision } from '../../projections/audit/explain.js';
import type { InvoiceLineData, Positioned } from '../../projections/events.js';
import { draftHash } from '../../projections/invoices/invoice-hash.js';
import type { Difference, Invoice } from '../../projections/invoices/invoice-lifecycle.js';
import { documentEdited, documentOf, firstDifference, invoiceIdOf, issueOf } from '../../projections/invoices/invoice-lifecycle.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { lineUnits } from '../../projections/rating/rating.projection.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import type { BillableUnit } from '../../projections/thread/thread.types.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { LedgerError, notFound } from '../common/ledger-error.js';
import { EventStore } from '../event-store/event-store.port.js';
import { digestStreams, InvoiceLedger } from '../invoices/invoice-ledger.js';
import type { ChainBreak } from '../event-store/event-chain.js';
import { logDigest, verifyStreams } from '../event-store/event-chain.js';
import { invoiceStream } from '../../projections/events.js';
import { comparePositions, formatPosition, parsePosition } from '../event-store/position.js';
import { LogIndex, monthSpan, replayMonth } from './month-replay.js';

export interface ExplainedUnit {
  readonly unit: BillableUnit;
  /** The stored events of the unit's messages, with their log positions. */
  readonly events: readonly Positioned[];
  /** The thread's decisions about this unit's messages: the events, the rule, the state before. */
  readonly decisions: readonly ExplainedDecision[];
}

export interface ExplainedLine extends InvoiceLineData {
  readonly line: number;
  readonly units: readonly ExplainedUnit[];
}

export interface InvoiceExplanation {
  readonly wabaId: string;
  readonly period: string;
  /** The issued invoice explained, when there is one; otherwise the draft as the log stands. */
  readonly invoiceId: string | null;
  readonly position: string;
  readonly hash: string;
  readonly total: string;
  readonly lines: readonly ExplainedLine[];
}

/** One stored event of the window, with the decision the fold took on it, when it took one. */
export interface TimelineEntry {
  readonly at: string;
  readonly position?: string;
  readonly phoneNumberId: string;
  readonly customer: string;
  readonly event: string;
  readonly messageId: string;
  readonly era: string | null;
  readonly rule: string;
  readonly action: string;
  readonly unitId?: string;
  readonly explanation: string;
  readonly pricedAs?: ExplainedDecision['pricedAs'];
}

export interface Timeline {
  readonly wabaId: string;
  readonly from: string;
  readonly to: string;
  readonly asOf: string | null;
  readonly position: string;
  readonly entries: readonly TimelineEntry[];
  /** Each month the window touches, as it was known: total and hash, to hold against an issued invoice. */
  readonly drafts: readonly { readonly period: string; readonly total: string; readonly hash: string }[];
}

export interface Verdict {
  readonly invoiceId: string;
  readonly revision: number;
  readonly status: Invoice['status'];
  readonly match: boolean;
  readonly hash: string;
  readonly recomputedHash: string;
  readonly difference?: Difference;
  /** Where the chains of the streams the invoice was computed from (and its own) break: an event edited, inserted, deleted or reordered, money or not. */
  readonly breaks: readonly ChainBreak[];
}

/** A portfolio's month replayed once for all its invoices at one basis, and the chains already checked: what verifying many invoices shares. */
export class VerifyRun {
  readonly months = new Map<string, { readonly drafts: Map<string, InvoiceDraft>; readonly members: readonly string[]; readonly threads: { readonly read: ReadonlySet<string>; readonly billed: ReadonlySet<string> } }>();
  readonly chains = new Map<string, readonly ChainBreak[]>();
}

/** The auditor's questions, answered by replaying the log itself, never the read models. */
@Injectable()
export class Auditor {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(InvoiceLedger) private readonly invoices: InvoiceLedger,
  ) {}

  /** Each line of a month's invoice down to its units, and each unit down to its events and rules. */
  async explain(scope: Scope, wabaId: string, period: string, line?: number): Promise<InvoiceExplanation> {
    if (!inScope(scope, wabaId)) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, 'wabaId');
    const { invoice: issued } = await this.invoices.read(invoiceIdOf(wabaId, period), scope);
    const index = await LogIndex.read(this.store, issued ? { upTo: parsePosition(issued.basis.position) } : {});
    const { state, account } = index.accountAt(wabaId);
    const draft = (await replayMonth(this.store, index, state, account.portfolioId, period, { provenance: true })).get(wabaId)!;
    if (line !== undefined && (line < 1 || line > draft.lines.length)) {
      throw new LedgerError('LINE_UNKNOWN', `${wabaId} ${period} has ${draft.lines.length} lines, not a line ${line}`, 404, 'line');
    }
    const chosen = draft.lines.map((l, i) => ({ ...l, line: i + 1 })).filter((l) => line === undefined || l.line === line);
    const wanted = new Set(chosen.flatMap((l) => lineUnits(l)));
    // Only the explained lines' units are kept: memory follows the answer, not the month.
    const units = new Map<string, ExplainedUnit>();
    for (const { stream } of index.threadsOf(new Map([[wabaId, monthSpan(account, period)]]))) {
      const events = await index.thread(this.store, stream);
      const result = foldThread(events, account, state.engine, { trace: true });
      const explained = explainThread(result, [draft]);
      for (const unit of explained.units) {
        if (!wanted.has(unit.id)) continue;
        const messages = new Set(unit.messageIds);
        units.set(unit.id, {
          unit,
          events: events.filter((e) => messages.has(e.data.messageId)),
          decisions: explained.decisions.filter((d) => d.unitId === unit.id || messages.has(d.messageId)),
        });
      }
    }
    const lines = chosen.map(({ unitIds: _unitIds, ...rest }, i) => ({ ...rest, units: lineUnits(chosen[i]!).map((id) => units.get(id)!).filter(Boolean) }));
    return { wabaId, period, invoiceId: issued?.invoiceId ?? null, position: issued?.basis.position ?? formatPosition(index.end), hash: draftHash(draft), total: draft.total, lines };
  }

  /** Every event and decision of an account between two instants, as the log knew them at `asOf`. */
  async timeline(scope: Scope, wabaId: string, from: string, to: string, asOf?: string): Promise<Timeline> {
    if (!inScope(scope, wabaId)) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, 'wabaId');
    const index = await LogIndex.read(this.store, asOf ? { asOf } : {});
    const { state, account } = index.accountAt(wabaId);
    const calendar = AccountTerms.of(account).calendar;
    const start = Date.parse(from);
    const end = Date.parse(to);
    const periods = new Set<string>();
    for (let at = start; at < end; at += 86_400_000) periods.add(calendar.month(at));
    if (end > start) periods.add(calendar.month(end - 1));
    const drafts: InvoiceDraft[] = [];
    for (const period of [...periods].sort()) drafts.push((await replayMonth(this.store, index, state, account.portfolioId, period, { provenance: true })).get(wabaId)!);
    const entries: TimelineEntry[] = [];
    for (const { stream } of index.threadsOf(new Map([[wabaId, { from: start, to: end }]]))) {
      const events = await index.thread(this.store, stream);
      const { phoneNumberId, customer } = events[0]!.data;
      // A decision names the event that made it by position (a message delivered by its read status is decided there); a send not yet delivered has none.
      const decisions = explainThread(foldThread(events, account, state.engine, { trace: true }), drafts).decisions;
      const byPosition = new Map(decisions.flatMap((d) => (d.position !== undefined ? [[d.position, d]] : [])));
      const byMessage = new Map(decisions.filter((d) => d.position === undefined).map((d) => [`${d.event}|${d.messageId}`, d]));
      for (const event of events) {
        const at = Date.parse(event.data.timestamp);
        if (at < start || at >= end) continue;
        const decision = (event.position !== undefined ? byPosition.get(event.position) : undefined) ?? byMessage.get(`${event.type}|${event.data.messageId}`);
        const { before: _before, after: _after, ...taken } = decision ?? { before: undefined, after: undefined, era: null, rule: '-', action: 'none', explanation: 'recorded; decides nothing on its own' };
        entries.push({ ...taken, at: new Date(at).toISOString(), position: event.position, phoneNumberId, customer, event: event.type, messageId: event.data.messageId });
      }
    }
    entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || comparePositionText(a.position, b.position));
    return {
      wabaId,
      from,
      to,
      asOf: asOf ?? null,
      position: formatPosition(index.end),
      entries,
      drafts: drafts.map((d: InvoiceDraft) => ({ period: d.period, total: d.total, hash: draftHash(d) })),
    };
  }

  /**
   * Recomputes an issued invoice from its own basis (the log up to its position) and holds it
   * against what was issued. The month is replayed thread by thread from an index of the log.
   */
  async verify(invoice: Invoice, index?: LogIndex, run = new VerifyRun()): Promise<Verdict> {
    const upTo = parsePosition(invoice.basis.position);
    // Alone, an invoice needs the log only up to its basis.
    const log = index ?? (await LogIndex.read(this.store, { upTo }));
    const key = `${invoice.wabaId}|${invoice.period}|${invoice.basis.position}`;
    let month = run.months.get(key);
    if (!month) {
      const { state, account } = log.accountAt(invoice.wabaId, upTo);
      const threads = { read: new Set<string>(), billed: new Set<string>() };
      const drafts = await replayMonth(this.store, log, state, account.portfolioId, invoice.period, { upTo, threads });
      month = { drafts, members: [...drafts.keys()], threads };
      // A portfolio's months are replayed together: siblings issued at the same position reuse it.
      for (const waba of drafts.keys()) run.months.set(`${waba}|${invoice.period}|${invoice.basis.position}`, month);
    }
    const draft = month.drafts.get(invoice.wabaId)!;
    const sources = digestStreams(month.members, month.threads.billed, draft.basis.rateCards);
    const recomputed = issueOf(draft, invoice.basis.position, invoice.basis.log ? await logDigest(this.store, sources, upTo) : undefined);
    // The stored document against the log, then against its own seal: an edit shows whether or not it moves money.
    const difference = firstDifference(invoice, recomputed) ?? documentEdited(documentOf(invoice));
    const breaks: ChainBreak[] = [];
    // Every thread the replay read is checked, billed or not: a reordered thread may read as unbilled.
    for (const stream of [...new Set([...sources, ...month.threads.read, invoiceStream(invoice.invoiceId)])].sort()) {
      let found = run.chains.get(stream);
      if (!found) run.chains.set(stream, (found = await verifyStreams(this.store, [stream])));
      breaks.push(...found);
    }
    return {
      invoiceId: invoice.invoiceId,
      revision: invoice.revision,
      status: invoice.status,
      match: difference === undefined && breaks.length === 0,
      hash: invoice.hash,
      recomputedHash: recomputed.hash,
      ...(difference ? { difference } : {}),
      breaks,
    };
  }

  /** Every invoice the log holds, each verified from its own basis; one pass indexes the log for all of them. */
  async verifyAll(scope: Scope, onVerdict?: (verdict: Verdict) => void): Promise<Verdict[]> {
    const index = await LogIndex.read(this.store);
    const run = new VerifyRun();
    const verdicts: Verdict[] = [];
    const invoices = [...index.invoices.values()].filter((i) => inScope(scope, i.wabaId)).sort((a, b) => a.invoiceId.localeCompare(b.invoiceId));
    for (const invoice of invoices) {
      const verdict = await this.verify(invoice, index, run);
      onVerdict?.(verdict);
      verdicts.push(verdict);
    }
    return verdicts;
  }
}

function comparePositionText(a: string | undefined, b: string | undefined): number {
  return a === undefined || b === undefined ? 0 : comparePositions(parsePosition(a), parsePosition(b));
}

const TIMELINE_COLUMNS = ['at', 'position', 'phone_number_id', 'customer', 'event', 'message_id', 'era', 'rule', 'action', 'unit_id', 'charge', 'unit_price', 'tier', 'rate_card', 'rate_card_version', 'rate_card_row', 'explanation'];

export function timelineCsv(timeline: Timeline): string {
  return stringify(
    timeline.entries.map((e) => [
      e.at,
      e.position ?? '',
      e.phoneNumberId,
      e.customer,
      e.event,
      e.messageId,
      e.era ?? '',
      e.rule,
      e.action,
      e.unitId ?? '',
      e.pricedAs?.charge ?? '',
      e.pricedAs?.unitPrice ?? '',
      e.pricedAs?.tier ?? '',
      e.pricedAs?.rateCard?.id ?? '',
      e.pricedAs?.rateCard?.version ?? '',
      e.pricedAs?.rateCard?.row ?? '',
      e.explanation,
    ]),
    { header: true, columns: TIMELINE_COLUMNS },
  );
}
