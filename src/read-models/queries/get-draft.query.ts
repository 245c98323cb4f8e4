import { Inject } from '@nestjs/common';
import { QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import { draftHash } from '../../../projections/invoices/invoice-hash.js';
import type { InvoiceDraft } from '../../../projections/rating/rating.projection.js';
import { rateMonth } from '../../../projections/rating/rating.projection.js';
import { ReadModelReader } from '../read-model.reader.js';
import { AccountMonthQuery } from './account-month.query.js';
import type { Reflecting } from '../read-model.reader.js';

export interface DraftAnswer extends Reflecting {
  readonly hash: string;
  /** The position the draft was rated at. */
  readonly ratedAt: string | null;
  /** Units of this month (in this WABA's portfolio) changed after it was rated; it will be rated again shortly. */
  readonly pending: boolean;
  readonly draft: InvoiceDraft;
}

export class GetDraft extends AccountMonthQuery<DraftAnswer> {}

@QueryHandler(GetDraft)
export class GetDraftHandler implements IQueryHandler<GetDraft> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: GetDraft): Promise<DraftAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true);
    const account = await this.reader.account(tables, query.wabaId, query.scope);
    const rows = await this.reader.sql.all<{ data: string; hash: string; position: string }>(
      `SELECT data, hash, position FROM ${tables.drafts} WHERE waba_id = ? AND period = ?`,
      [query.wabaId, query.period],
    );
    // Volume tiers pool the portfolio: a unit waiting in another of its WABAs can move this draft.
    const dirty = await this.reader.sql.all<{ period: string }>(
      `SELECT d.period FROM ${tables.dirty} d JOIN ${tables.accounts} a ON a.waba_id = d.waba_id WHERE a.portfolio_id = ? AND d.period = ?`,
      [account.portfolioId, query.period],
    );
    if (rows[0]) return { ...at, hash: rows[0].hash, ratedAt: rows[0].position, pending: dirty.length > 0, draft: JSON.parse(rows[0].data) as InvoiceDraft };
    // A month without a billable unit has an empty draft, not a missing one.
    const draft = rateMonth({ period: query.period, accounts: new Map([[account.wabaId, account]]), units: [], book: engine.book, timeline: engine.timeline }).get(account.wabaId)!;
    return { ...at, hash: draftHash(draft), ratedAt: null, pending: dirty.length > 0, draft };
  }
}
