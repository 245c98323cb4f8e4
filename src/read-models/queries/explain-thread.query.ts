import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { PricedAs, ThreadExplanation } from '../../../projections/audit/explain.js';
import { explainPriced, explainThread, explanationText, pricedAs } from '../../../projections/audit/explain.js';
import { LineFinder } from '../../../projections/rating/line-finder.js';
import type { AccountContext, ThreadResult } from '../../../projections/thread/thread.types.js';
import type { ReadModelTables } from '../read-model.schema.js';
import type { EngineState } from '../settings/engine-state.js';
import type { WindowBar } from '../../../projections/audit/window-bars.js';
import { windowBars } from '../../../projections/audit/window-bars.js';
import { legacyThreadStream, threadStream } from '../../../projections/events.js';
import type { Positioned } from '../../../projections/events.js';
import type { InvoiceDraft } from '../../../projections/rating/rating.projection.js';
import { Rater } from '../../../projections/rating/rating.projection.js';
import { foldThread } from '../../../projections/thread/thread.projection.js';
import type { Scope } from '../../auth/scope.js';
import { notFound } from '../../common/ledger-error.js';
import { parsePosition } from '../../event-store/position.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { Reflecting } from '../read-model.reader.js';
import { threadHistory } from '../threads/thread-history.js';
import { monthUnits } from '../threads/unit-rows.js';

export interface ExplanationAnswer extends Reflecting, ThreadExplanation {
  /** The thread's events as the fold took them, with their log positions: the evidence of each unit. */
  readonly events: readonly Positioned[];
  readonly bars: readonly WindowBar[];
  readonly text: string;
}

export class ExplainThread extends Query<ExplanationAnswer> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly phoneNumberId: string,
    readonly customer: string,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}

@QueryHandler(ExplainThread)
export class ExplainThreadHandler implements IQueryHandler<ExplainThread> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: ExplainThread): Promise<ExplanationAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    const account = this.reader.account(engine, query.wabaId, query.scope);
    let history = await threadHistory(this.reader.store, threadStream(query.wabaId, query.phoneNumberId, query.customer), parsePosition(at.position));
    // A number attached before streams named their account keeps its stream, which its first event says is this account's or not.
    if (!history.length) history = await threadHistory(this.reader.store, legacyThreadStream(query.phoneNumberId, query.customer), parsePosition(at.position));
    if (!history.length || history[0]!.data.wabaId !== query.wabaId) {
      throw notFound('THREAD_UNKNOWN', `no thread of ${query.customer} on ${query.phoneNumberId} in account ${query.wabaId}`, 'customer');
    }
    const result = foldThread(history, account, engine.engine, { trace: true });
    const explanation = (await this.fromDrafts(tables, engine, account, result, at)) ?? (await this.rated(tables, engine, account, result));
    return { ...at, ...explanation, events: history, bars: windowBars(result.decisions), text: explanationText(explanation) };
  }

  /**
   * Each unit placed on its line of the month's stored draft: no month is rated again. Only when
   * the drafts reflect what was folded (nothing waits to be rated), and every unit has a line.
   */
  private async fromDrafts(tables: ReadModelTables, engine: EngineState, account: AccountContext, result: ThreadResult, at: Reflecting): Promise<ThreadExplanation | undefined> {
    if (at.position !== at.ratedPosition) return undefined;
    const calendar = AccountTerms.of(account).calendar;
    const finders = new Map<string, LineFinder | undefined>();
    const pricing = new Map<string, PricedAs>();
    for (const unit of result.units) {
      const period = calendar.month(Date.parse(unit.openedAt));
      if (!finders.has(period)) {
        const draft = await this.reader.draft(tables, account.wabaId, period);
        finders.set(period, draft && LineFinder.of(draft, account, engine.book));
      }
      const finder = finders.get(period);
      const line = finder?.find(unit);
      if (line === undefined) {
        // An unpriced unit has no line in either way; anything else is rated again.
        if (finder?.draft.unpriced.some((u) => u.market === unit.market && u.category === unit.category)) continue;
        return undefined;
      }
      pricing.set(unit.id, pricedAs(finder!.draft.lines[line]!));
    }
    return explainPriced(result, pricing);
  }

  /** Units price in charge order: each month of the thread is rated, with provenance, up to the thread's last unit in it. */
  private async rated(tables: ReadModelTables, engine: EngineState, account: AccountContext, result: ThreadResult): Promise<ThreadExplanation> {
    const calendar = AccountTerms.of(account).calendar;
    const periods = new Map<string, number>();
    for (const unit of result.units) {
      const at = Date.parse(unit.openedAt);
      const period = calendar.month(at);
      periods.set(period, Math.max(at, periods.get(period) ?? at));
    }
    const members = [...(engine.portfolios.get(account.portfolioId) ?? [account.wabaId])].sort();
    const accounts = new Map(members.map((waba) => [waba, engine.accounts.get(waba)!]));
    const drafts: InvoiceDraft[] = [];
    for (const [period, last] of periods) {
      const { units } = await monthUnits(this.reader.sql, tables.units, members, period, last);
      const rater = new Rater({ accounts, book: engine.book, timeline: engine.timeline });
      for (const { unit, at } of units) rater.add(unit, at);
      drafts.push(rater.draft(account.wabaId, period));
    }
    return explainThread(result, drafts);
  }
}
