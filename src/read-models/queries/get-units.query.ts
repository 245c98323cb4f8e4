import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import type { BillableUnit } from '../../../projections/thread/thread.types.js';
import { ratedCharge } from '../../../projections/rating/free-tiers.js';
import { LineFinder } from '../../../projections/rating/line-finder.js';
import type { InvoiceDraft } from '../../../projections/rating/rating.projection.js';
import { Rater } from '../../../projections/rating/rating.projection.js';
import type { Scope } from '../../auth/scope.js';
import { notFound } from '../../common/ledger-error.js';
import type { EngineState } from '../settings/engine-state.js';
import type { ReadModelTables } from '../read-model.schema.js';
import { ReadModelReader } from '../read-model.reader.js';
import { cursorText, monthUnits, parseCursor, UNIT_SELECT, unitOf, unitPage } from '../threads/unit-rows.js';
import type { Reflecting } from '../read-model.reader.js';

export interface UnitsAnswer extends Reflecting {
  readonly wabaId: string;
  readonly period: string;
  /** The draft line the units were asked for, numbered from 1. */
  readonly line?: number;
  readonly total: number;
  readonly offset: number;
  readonly units: readonly BillableUnit[];
  /** Hand it back as `after` for the next page; null on the last. */
  readonly next: string | null;
}

export interface UnitsPage {
  readonly limit: number;
  readonly offset: number;
  readonly after?: string;
  readonly line?: number;
}

export class GetUnits extends Query<UnitsAnswer> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly period: string,
    readonly page: UnitsPage,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}

@QueryHandler(GetUnits)
export class GetUnitsHandler implements IQueryHandler<GetUnits> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  /**
   * Units as rated: a free allowance's units say `free_tier`, as their invoice line does (the
   * month's draft says which). A line's units are found from its stored draft: the rows of its
   * market, category and charge between its first and last unit, each placed by a LineFinder.
   */
  async execute(query: GetUnits): Promise<UnitsAnswer> {
    const { tables, at, engine } = await this.reader.reflecting(query.minPosition, true, query.wabaId);
    this.reader.account(engine, query.wabaId, query.scope);
    const { page } = query;
    const draft = await this.reader.draft(tables, query.wabaId, query.period);
    const freeTiers = draft?.freeTiers ?? [];
    const rated = (unit: BillableUnit) => ({ ...unit, charge: ratedCharge(unit, freeTiers) });
    const after = page.after === undefined ? undefined : parseCursor(page.after);
    const base = { ...at, wabaId: query.wabaId, period: query.period };
    if (page.line !== undefined) {
      const finder = await this.finder(tables, engine, query.wabaId, query.period, draft);
      const line = finder?.draft.lines[page.line - 1];
      if (!finder || !line) throw notFound('LINE_UNKNOWN', `the draft of ${query.wabaId} for ${query.period} has no line ${page.line}`, 'line');
      const { first, last } = line.span!;
      const scope = { wabaId: query.wabaId, period: query.period, from: Date.parse(first.openedAt), to: Date.parse(last.openedAt), where: 'market = ? AND category = ? AND charge = ?', params: [line.market, line.category, line.charge === 'free_tier' ? 'regular' : line.charge] };
      const found = await unitPage(this.reader.sql, tables.units, scope, after, page.limit, (unit) => finder.find(unit) === page.line! - 1);
      return { ...base, line: page.line, total: line.quantity, offset: 0, units: found.units.map(rated), next: found.more ? cursorText(found.units[found.units.length - 1]!) : null };
    }
    const [count] = await this.reader.sql.all<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${tables.units} WHERE waba_id = ? AND period = ?`, [query.wabaId, query.period]);
    const total = Number(count?.n ?? 0);
    if (after || page.offset === 0) {
      const found = await unitPage(this.reader.sql, tables.units, { wabaId: query.wabaId, period: query.period }, after, page.limit, () => true);
      return { ...base, total, offset: 0, units: found.units.map(rated), next: found.more ? cursorText(found.units[found.units.length - 1]!) : null };
    }
    const rows = await this.reader.sql.rows(
      `SELECT ${UNIT_SELECT} FROM ${tables.units} WHERE waba_id = ? AND period = ? ORDER BY opened_at, unit_id, stream LIMIT ? OFFSET ?`,
      [query.wabaId, query.period, page.limit, page.offset],
    );
    const units = rows.map(unitOf);
    const more = page.offset + units.length < total;
    return { ...base, total, offset: page.offset, units: units.map(rated), next: more && units.length ? cursorText(units[units.length - 1]!) : null };
  }

  /** The stored draft's finder; a draft stored before lines kept their spans is rated again from the units table. */
  private async finder(tables: ReadModelTables, engine: EngineState, wabaId: string, period: string, draft: InvoiceDraft | undefined): Promise<LineFinder | undefined> {
    if (!draft) return undefined;
    const account = engine.accounts.get(wabaId)!;
    const found = LineFinder.of(draft, account, engine.book);
    if (found) return found;
    const members = [...(engine.portfolios.get(account.portfolioId) ?? [wabaId])].sort();
    const accounts = new Map(members.map((waba) => [waba, engine.accounts.get(waba)!]));
    const rater = new Rater({ accounts, book: engine.book, timeline: engine.timeline, provenance: false, spans: true });
    for (const { unit, at } of (await monthUnits(this.reader.sql, tables.units, members, period)).units) rater.add(unit, at);
    return LineFinder.of(rater.draft(wabaId, period), account, engine.book);
  }
}
