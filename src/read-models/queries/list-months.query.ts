import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { Scope } from '../../auth/scope.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { Reflecting } from '../read-model.reader.js';
import { inList } from '../sql.js';

export interface MonthSummary {
  readonly period: string;
  /** The draft as last rated; null for a month with an invoice and no billable unit left. */
  readonly draft: { readonly total: string; readonly currency: string; readonly hash: string } | null;
  /** Units changed after the draft was rated: it is being rated again. */
  readonly pending: boolean;
  /** Projection failures that keep the month from being issued. */
  readonly blocked: number;
  readonly invoice: { readonly invoiceId: string; readonly status: string; readonly revision: number; readonly total: string; readonly currency: string; readonly hash: string } | null;
}

export interface MonthsAnswer extends Reflecting {
  readonly wabaId: string;
  readonly months: readonly MonthSummary[];
}

export class ListMonths extends Query<MonthsAnswer> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}

/** An account's months, newest first: each with its draft and its invoice when one was issued, from the read models alone. */
@QueryHandler(ListMonths)
export class ListMonthsHandler implements IQueryHandler<ListMonths> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: ListMonths): Promise<MonthsAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    const account = this.reader.account(engine, query.wabaId, query.scope);
    const { sql } = this.reader;
    const members = [...(engine.portfolios.get(account.portfolioId) ?? [account.wabaId])];
    const drafts = await sql.all<{ period: string; total: string; currency: string; hash: string }>(`SELECT period, total, currency, hash FROM ${tables.drafts} WHERE waba_id = ?`, [query.wabaId]);
    const invoices = await sql.all<{ invoice_id: string; period: string; status: string; revision: number | string; total: string; currency: string; hash: string }>(
      `SELECT invoice_id, period, status, revision, total, currency, hash FROM ${tables.invoices} WHERE waba_id = ?`,
      [query.wabaId],
    );
    // Volume tiers pool the portfolio: a unit waiting in another of its WABAs can move this one's drafts.
    const dirty = new Set((await sql.all<{ period: string }>(`SELECT period FROM ${tables.dirty} WHERE waba_id IN (${inList(members.length)})`, members)).map((r) => r.period));
    const blocked = await sql.all<{ period: string; n: number | string }>(`SELECT period, COUNT(DISTINCT failure_id) AS n FROM ${tables.blocked} WHERE waba_id = ? GROUP BY period`, [query.wabaId]);
    const everywhere = Number(blocked.find((b) => b.period === '*')?.n ?? 0);
    const periods = [...new Set([...drafts.map((d) => d.period), ...invoices.map((i) => i.period), ...blocked.map((b) => b.period).filter((p) => p !== '*')])].sort().reverse();
    const months = periods.map((period): MonthSummary => {
      const draft = drafts.find((d) => d.period === period);
      const invoice = invoices.find((i) => i.period === period);
      return {
        period,
        draft: draft ? { total: draft.total, currency: draft.currency, hash: draft.hash } : null,
        pending: dirty.has(period),
        blocked: Number(blocked.find((b) => b.period === period)?.n ?? 0) + everywhere,
        invoice: invoice ? { invoiceId: invoice.invoice_id, status: invoice.status, revision: Number(invoice.revision), total: invoice.total, currency: invoice.currency, hash: invoice.hash } : null,
      };
    });
    return { ...at, wabaId: query.wabaId, months };
  }
}
