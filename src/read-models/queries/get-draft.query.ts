import { Inject } from '@nestjs/common';
import { QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import { draftHash } from '../../../projections/invoices/invoice-hash.js';
import type { InvoiceDraft } from '../../../projections/rating/rating.projection.js';
import { rateMonth } from '../../../projections/rating/rating.projection.js';
import type { FailureKind } from '../failures/failure-log.js';
import { blockersOf } from '../failures/failure-log.js';
import { LedgerError } from '../../common/ledger-error.js';
import { ReadModelReader } from '../read-model.reader.js';
import { inList } from '../sql.js';
import { AccountMonthQuery } from './account-month.query.js';
import type { Reflecting } from '../read-model.reader.js';

/** A failure that keeps a month's draft from being issued: the projections could not process part of it. */
export interface Blocker {
  readonly id: string;
  readonly kind: FailureKind;
  readonly code: string;
  readonly message: string;
}

export interface DraftAnswer extends Reflecting {
  readonly hash: string;
  /** The position the draft was rated at. */
  readonly ratedAt: string | null;
  /** Units of this month (in this WABA's portfolio) changed after it was rated; it will be rated again shortly. */
  readonly pending: boolean;
  /** Failures that touch this month: the draft may be wrong and cannot be issued until they are cleared. */
  readonly blocked: readonly Blocker[];
  readonly draft: InvoiceDraft;
}

export class GetDraft extends AccountMonthQuery<DraftAnswer> {}

/** A month that failures block cannot be issued or revised (nor, when not even an empty draft can be rated, shown). */
export function draftBlocked(wabaId: string, period: string, blocked: readonly Blocker[]): LedgerError {
  const first = blocked[0]!;
  const more = blocked.length > 1 ? ` and ${blocked.length - 1} more` : '';
  return new LedgerError(
    'DRAFT_BLOCKED',
    `the draft of ${wabaId} ${period} is blocked by projection failure ${first.id} (${first.code}: ${first.message})${more}; correct the cause, then retry it (GET /projection/failures)`,
    409,
    'period',
  );
}

@QueryHandler(GetDraft)
export class GetDraftHandler implements IQueryHandler<GetDraft> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: GetDraft): Promise<DraftAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    const account = this.reader.account(engine, query.wabaId, query.scope);
    const rows = await this.reader.sql.all<{ data: string; hash: string; position: string }>(
      `SELECT data, hash, position FROM ${tables.drafts} WHERE waba_id = ? AND period = ?`,
      [query.wabaId, query.period],
    );
    // Volume tiers pool the portfolio: a unit waiting in another of its WABAs can move this draft.
    const members = [...(engine.portfolios.get(account.portfolioId) ?? [account.wabaId])];
    const dirty = await this.reader.sql.all<{ period: string }>(`SELECT period FROM ${tables.dirty} WHERE waba_id IN (${inList(members.length)}) AND period = ?`, [...members, query.period]);
    const blocked = await blockersOf(this.reader.sql, tables, query.wabaId, query.period);
    const pending = dirty.length > 0;
    if (rows[0]) return { ...at, hash: rows[0].hash, ratedAt: rows[0].position, pending, blocked, draft: JSON.parse(rows[0].data) as InvoiceDraft };
    // A month without a billable unit has an empty draft, not a missing one.
    let draft: InvoiceDraft;
    try {
      draft = rateMonth({ period: query.period, accounts: new Map([[account.wabaId, account]]), units: [], book: engine.book, timeline: engine.timeline }).get(account.wabaId)!;
    } catch (error) {
      if (blocked.length) throw draftBlocked(query.wabaId, query.period, blocked);
      throw error;
    }
    return { ...at, hash: draftHash(draft), ratedAt: null, pending, blocked, draft };
  }
}
