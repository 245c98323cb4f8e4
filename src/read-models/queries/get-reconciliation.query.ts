import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import { Inject } from '@nestjs/common';
import { QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { Finding } from '../../../projections/reconciliation/reconcile.js';
import { reconcile } from '../../../projections/reconciliation/reconcile.js';
import { ratedCharge } from '../../../projections/rating/free-tiers.js';
import { monthPlus } from '../../../projections/time/zone-calendar.js';
import { parsePosition } from '../../event-store/position.js';
import { ReadModelReader } from '../read-model.reader.js';
import { threadUnits } from '../threads/unit-rows.js';
import { AccountMonthQuery } from './account-month.query.js';
import type { Reflecting } from '../read-model.reader.js';
import { threadHistory } from '../threads/thread-history.js';

export interface ReconciliationAnswer extends Reflecting {
  readonly wabaId: string;
  readonly period: string;
  readonly messages: number;
  readonly findings: readonly (Finding & { phoneNumberId: string; customer: string })[];
  readonly byKind: Readonly<Record<string, number>>;
}

export class GetReconciliation extends AccountMonthQuery<ReconciliationAnswer> {}

/** Meta's stated verdicts against the ledger's, for every message delivered in the account's month. */
@QueryHandler(GetReconciliation)
export class GetReconciliationHandler implements IQueryHandler<GetReconciliation> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute(query: GetReconciliation): Promise<ReconciliationAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    const account = this.reader.account(engine, query.wabaId, query.scope);
    const calendar = AccountTerms.of(account).calendar;
    const start = calendar.midnight(`${query.period}-01`);
    const end = calendar.midnight(`${monthPlus(query.period, 1)}-01`);
    const threads = await this.reader.sql.all<{ stream: string; phone_number_id: string; customer: string; units: string }>(
      `SELECT stream, phone_number_id, customer, units FROM ${tables.threads} WHERE waba_id = ? AND first_at < ? AND last_at >= ? ORDER BY stream`,
      [query.wabaId, end, start],
    );
    const freeTiers = await this.reader.freeTiers(tables, query.wabaId, query.period);
    const findings: ReconciliationAnswer['findings'][number][] = [];
    let messages = 0;
    for (const thread of threads) {
      const events = (await threadHistory(this.reader.store, thread.stream, parsePosition(at.position))).filter((e) => {
        const t = Date.parse(e.data.timestamp);
        return t >= start && t < end;
      });
      const units = await threadUnits(this.reader.sql, tables.units, thread.stream, thread.units);
      messages += new Set(events.filter((e) => e.type === 'MessageDelivered' || e.type === 'MessageRead').map((e) => e.data.messageId)).size;
      for (const finding of reconcile(events, units, (unit) => ratedCharge(unit, freeTiers))) findings.push({ ...finding, phoneNumberId: thread.phone_number_id, customer: thread.customer });
    }
    const byKind: Record<string, number> = {};
    for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    return { ...at, wabaId: query.wabaId, period: query.period, messages, findings, byKind };
  }
}
