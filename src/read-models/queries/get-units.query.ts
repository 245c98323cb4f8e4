import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { BillableUnit } from '../../../projections/thread/thread.types.js';
import { ratedCharge } from '../../../projections/rating/free-tiers.js';
import type { Scope } from '../../auth/scope.js';
import { ReadModelReader } from '../read-model.reader.js';
import { UNIT_SELECT, unitOf } from '../threads/unit-rows.js';
import type { Reflecting } from '../read-model.reader.js';

export interface UnitsAnswer extends Reflecting {
  readonly wabaId: string;
  readonly period: string;
  readonly total: number;
  readonly offset: number;
  readonly units: readonly BillableUnit[];
}

export class GetUnits extends Query<UnitsAnswer> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly period: string,
    readonly limit: number,
    readonly offset: number,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}

@QueryHandler(GetUnits)
export class GetUnitsHandler implements IQueryHandler<GetUnits> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  /** Units as rated: a free allowance's units say `free_tier`, as their invoice line does (the month's draft says which). */
  async execute(query: GetUnits): Promise<UnitsAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    this.reader.account(engine, query.wabaId, query.scope);
    const freeTiers = await this.reader.freeTiers(tables, query.wabaId, query.period);
    const [count] = await this.reader.sql.all<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${tables.units} WHERE waba_id = ? AND period = ?`, [
      query.wabaId,
      query.period,
    ]);
    const rows = await this.reader.sql.rows(
      `SELECT ${UNIT_SELECT} FROM ${tables.units} WHERE waba_id = ? AND period = ? ORDER BY opened_at, unit_id, stream LIMIT ? OFFSET ?`,
      [query.wabaId, query.period, query.limit, query.offset],
    );
    return { ...at, wabaId: query.wabaId, period: query.period, total: Number(count?.n ?? 0), offset: query.offset, units: rows.map(unitOf).map((unit) => ({ ...unit, charge: ratedCharge(unit, freeTiers) })) };
  }
}
