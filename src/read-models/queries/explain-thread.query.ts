import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { ThreadExplanation } from '../../../projections/audit/explain.js';
import { explainThread, explanationText } from '../../../projections/audit/explain.js';
import { threadStream } from '../../../projections/events.js';
import type { InvoiceDraft } from '../../../projections/rating/rating.projection.js';
import { foldThread } from '../../../projections/thread/thread.projection.js';
import { ZoneCalendar } from '../../../projections/time/zone-calendar.js';
import type { Scope } from '../../auth/scope.js';
import { notFound } from '../../common/ledger-error.js';
import { parsePosition } from '../../event-store/position.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { Reflecting } from '../read-model.reader.js';
import { threadHistory } from '../thread-history.js';

export interface ExplanationAnswer extends Reflecting, ThreadExplanation {
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
    const { tables, at } = await this.reader.reflecting(query.minPosition, true);
    const account = await this.reader.account(tables, query.wabaId, query.scope);
    const stream = threadStream(query.phoneNumberId, query.customer);
    const history = await threadHistory(this.reader.store, stream, parsePosition(at.position));
    if (!history.length || history[0]!.data.wabaId !== query.wabaId) {
      throw notFound('THREAD_UNKNOWN', `no thread of ${query.customer} on ${query.phoneNumberId} in account ${query.wabaId}`, 'customer');
    }
    const result = foldThread(history, account, this.reader.engine.engine, { trace: true });
    const calendar = ZoneCalendar.of(account.timezone);
    const periods = [...new Set(result.units.map((u) => calendar.month(Date.parse(u.openedAt))))];
    const drafts: InvoiceDraft[] = [];
    for (const period of periods) {
      const rows = await this.reader.sql.all<{ data: string }>(`SELECT data FROM ${tables.drafts} WHERE waba_id = ? AND period = ?`, [query.wabaId, period]);
      if (rows[0]) drafts.push(JSON.parse(rows[0].data) as InvoiceDraft);
    }
    const explanation = explainThread(result, drafts);
    return { ...at, ...explanation, text: explanationText(explanation) };
  }
}
