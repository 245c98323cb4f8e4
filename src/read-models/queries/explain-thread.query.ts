import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { ThreadExplanation } from '../../../projections/audit/explain.js';
import { explainThread, explanationText } from '../../../projections/audit/explain.js';
import type { WindowBar } from '../../../projections/audit/window-bars.js';
import { windowBars } from '../../../projections/audit/window-bars.js';
import { legacyThreadStream, threadStream } from '../../../projections/events.js';
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
    const calendar = AccountTerms.of(account).calendar;
    // Units price in charge order: a month is rated up to the thread's last unit in it.
    const periods = new Map<string, number>();
    for (const unit of result.units) {
      const at = Date.parse(unit.openedAt);
      const period = calendar.month(at);
      periods.set(period, Math.max(at, periods.get(period) ?? at));
    }
    // Stored drafts do not list their units: the thread's months are rated again with provenance.
    const members = [...(engine.portfolios.get(account.portfolioId) ?? [account.wabaId])].sort();
    const accounts = new Map(members.map((waba) => [waba, engine.accounts.get(waba)!]));
    const drafts: InvoiceDraft[] = [];
    for (const [period, last] of periods) {
      const { units } = await monthUnits(this.reader.sql, tables.units, members, period, last);
      const rater = new Rater({ accounts, book: engine.book, timeline: engine.timeline });
      for (const { unit, at } of units) rater.add(unit, at);
      drafts.push(rater.draft(query.wabaId, period));
    }
    const explanation = explainThread(result, drafts);
    return { ...at, ...explanation, bars: windowBars(result.decisions), text: explanationText(explanation) };
  }
}
