import { draftHash } from '../../../projections/invoices/invoice-hash.js';
import type { AccountContext } from '../../../projections/thread/thread.types.js';
import { formatPosition } from '../../event-store/position.js';
import type { Position } from '../../event-store/position.js';
import type { FailureLog } from '../failures/failure-log.js';
import { faultOf } from '../failures/failure-log.js';
import type { Writes } from '../processor/writes.js';
import type { ReadModelTables } from '../read-model.schema.js';
import type { EngineState } from '../settings/engine-state.js';
import type { Param, Sql } from '../sql.js';
import { inList } from '../sql.js';
import { monthUnits } from '../threads/unit-rows.js';
import type { Charged, MonthChange } from './month-raters.js';
import { MonthRaters } from './month-raters.js';
import { Rater } from '../../../projections/rating/rating.projection.js';

const MONTH_KEY = '\u0000';
/** Units held between two ratings to extend kept raters with: beyond them, memory would grow with the log. */
const HELD_UNITS = 100_000;
export const monthKey = (owner: string, period: string): string => `${owner}${MONTH_KEY}${period}`;

interface Rated {
  readonly rater: Rater;
  readonly written: readonly string[];
  /** WABAs of the month that no longer have a unit in it: a month without units has no draft row. */
  readonly emptied?: readonly string[];
  readonly extended?: boolean;
}

interface Dirty {
  readonly wabaId: string;
  readonly period: string;
}

/**
 * Stage 2 for a cohort's partitions: account-months wait in `dirty` until they are rated, then
 * every waiting month is rated with every WABA of its portfolio (volume tiers pool them). A month
 * that only gained units charged after its last rated one extends the rater kept from its last
 * rating; any other is rated from all its units. A month the rater throws on is recorded as a
 * failure, its drafts blocked, and the others go on.
 */
export class DraftsProjection {
  readonly waiting = new Set<number>();
  private readonly dirty = new Map<string, Dirty>();
  private readonly changes = new Map<string, MonthChange>();
  /** Units held in `changes` for extending kept raters. */
  private held = 0;

  private constructor(
    private readonly tables: ReadModelTables,
    private readonly sql: Sql,
    private readonly state: EngineState,
    private readonly raters: MonthRaters,
    private readonly failures: FailureLog,
    private readonly partitions: readonly number[],
  ) {}

  /** The months waiting in these partitions, read back from the table; the raters kept across reopenings start empty. */
  static async open(tables: ReadModelTables, sql: Sql, state: EngineState, failures: FailureLog, partitions: readonly number[], heldMonths: number): Promise<DraftsProjection> {
    const drafts = new DraftsProjection(tables, sql, state, new MonthRaters(heldMonths), failures, partitions);
    if (partitions.length) {
      const rows = await sql.all<{ waba_id: string; period: string; partition: number }>(`SELECT waba_id, period, partition FROM ${tables.dirty} WHERE partition IN (${inList(partitions.length)})`, partitions);
      for (const row of rows) {
        drafts.dirty.set(monthKey(row.waba_id, row.period), { wabaId: row.waba_id, period: row.period });
        drafts.waiting.add(Number(row.partition));
      }
    }
    return drafts;
  }

  /**
   * A unit to rate: held for extending its month's kept rater, if there is one to extend and the
   * units held until the next rating stay within their budget (past it, months are rated whole).
   */
  added(account: AccountContext, period: string, charged: Charged, writes: Writes): void {
    const change = this.change(account.wabaId, period, writes);
    if (change.whole) return;
    if (!this.raters.has(monthKey(account.portfolioId, period)) || this.held >= HELD_UNITS) return this.whole(change);
    change.added.push(charged);
    this.held += 1;
  }

  /** A rated unit changed or left: the month is rated from all its units. */
  changed(wabaId: string, period: string, writes: Writes): void {
    this.whole(this.change(wabaId, period, writes));
  }

  private whole(change: MonthChange): void {
    this.held -= change.added.length;
    change.added.length = 0;
    change.whole = true;
  }

  /** Months of these WABAs that have drafts (or blocked months) rate again from all their units: prices, settings or a retry moved. */
  async markAccounts(wabas: readonly string[], fromPeriod: string, writes: Writes): Promise<void> {
    for (let i = 0; i < wabas.length; i += 500) {
      const chunk = wabas.slice(i, i + 500);
      const rows = await this.sql.all<{ waba_id: string; period: string }>(
        `SELECT waba_id, period FROM ${this.tables.drafts} WHERE waba_id IN (${inList(chunk.length)}) AND period >= ?
         UNION SELECT waba_id, period FROM ${this.tables.blocked} WHERE waba_id IN (${inList(chunk.length)}) AND period >= ? AND period <> '*'`,
        [...chunk, fromPeriod, ...chunk, fromPeriod],
      );
      for (const row of rows) this.changed(row.waba_id, row.period, writes);
    }
  }

  /** Rates every waiting month of the cohort and writes their drafts; answers how many, and how many months extended a kept rater. */
  async settle(end: Position, writes: Writes): Promise<{ written: number; incremental: number }> {
    const position = formatPosition(end);
    const groups = new Map<string, { period: string; portfolio: string }>();
    for (const { wabaId, period } of this.dirty.values()) {
      const account = this.state.accounts.get(wabaId);
      if (account) groups.set(monthKey(account.portfolioId, period), { period, portfolio: account.portfolioId });
    }
    let written = 0;
    let incremental = 0;
    for (const [group, { period, portfolio }] of groups) {
      written += await this.rated(portfolio, period, position, writes, async (members) => {
        const rated = await this.rate(group, period, members);
        if (rated.extended) incremental += 1;
        return rated;
      });
    }
    if (this.partitions.length) writes.run(`DELETE FROM ${this.tables.dirty} WHERE partition IN (${inList(this.partitions.length)})`, [...this.partitions]);
    this.dirty.clear();
    this.changes.clear();
    this.held = 0;
    this.waiting.clear();
    return { written, incremental };
  }

  /** A portfolio-month rated from all its units, handed in charge order (a rebuild, which has them in memory): the drafts `settle` would write. */
  rateWhole(portfolio: string, period: string, units: readonly Charged[], end: Position, writes: Writes): Promise<number> {
    return this.rated(portfolio, period, formatPosition(end), writes, (members) => {
      const accounts = new Map(members.map((waba) => [waba, this.state.accounts.get(waba)!]));
      // Nothing extends a rebuild's month later: no rater is kept, nor a copy to rewind to.
      const rater = new Rater({ accounts, book: this.state.book, timeline: this.state.timeline, provenance: false, spans: true });
      for (const { unit, at } of units) rater.add(unit, at);
      const withUnits = new Set(units.map((u) => u.unit.wabaId));
      return { rater, written: members.filter((waba) => withUnits.has(waba)) };
    });
  }

  /** Writes a portfolio-month's drafts, or records why it could not be rated and blocks its WABAs' month. */
  private async rated(portfolio: string, period: string, position: string, writes: Writes, rate: (members: string[]) => Promise<Rated> | Rated): Promise<number> {
    const members = [...(this.state.portfolios.get(portfolio) ?? [])].sort();
    const partition = this.state.partitionOf(members[0]!)!;
    const subject = `${portfolio}/${period}`;
    try {
      const { rater, written, emptied = [] } = await rate(members);
      for (const waba of emptied) writes.run(`DELETE FROM ${this.tables.drafts} WHERE waba_id = ? AND period = ?`, [waba, period]);
      const rows = written.map((waba): Param[] => {
        const draft = rater.draft(waba, period);
        return [waba, period, partition, draft.currency, draft.total, draftHash(draft), position, JSON.stringify(draft)];
      });
      writes.insertMany(
        this.tables.drafts,
        ['waba_id', 'period', 'partition', 'currency', 'total', 'hash', 'position', 'data'],
        rows,
        `ON CONFLICT (waba_id, period) DO UPDATE SET currency = excluded.currency, total = excluded.total, hash = excluded.hash,
         position = excluded.position, data = excluded.data`,
      );
      this.failures.clear(writes, 'month', subject);
      return rows.length;
    } catch (error) {
      this.raters.discard(monthKey(portfolio, period));
      const { code, message } = faultOf(error, 'RATING_FAILED');
      this.failures.record(writes, { kind: 'month', subject, partition, position, code, message, blocks: members.map((wabaId) => ({ wabaId, period })) });
      return 0;
    }
  }

  /** A portfolio-month's rater: its kept one extended with its new units, or one fed all its units; and the WABAs whose drafts change. */
  private async rate(group: string, period: string, members: readonly string[]): Promise<Rated> {
    const accounts = new Map(members.map((waba) => [waba, this.state.accounts.get(waba)!]));
    const touched = members.filter((waba) => this.dirty.has(monthKey(waba, period)));
    const extended = this.raters.extend(group, this.state.book, accounts, touched.map((waba) => this.changes.get(monthKey(waba, period))));
    if (extended) return { rater: extended, written: touched, extended: true };
    const { units, withUnits } = await monthUnits(this.sql, this.tables.units, members, period);
    const rater = this.raters.start(group, this.state.book, this.state.timeline, accounts, units);
    return { rater, written: members.filter((waba) => withUnits.has(waba)), emptied: touched.filter((waba) => !withUnits.has(waba)) };
  }

  private change(wabaId: string, period: string, writes: Writes): MonthChange {
    const key = monthKey(wabaId, period);
    let change = this.changes.get(key);
    if (!change) this.changes.set(key, (change = { added: [], whole: false }));
    if (!this.dirty.has(key)) {
      const partition = this.state.partitionOf(wabaId);
      this.dirty.set(key, { wabaId, period });
      if (partition !== undefined) {
        this.waiting.add(partition);
        writes.insertMany(this.tables.dirty, ['waba_id', 'period', 'partition'], [[wabaId, period, partition]], 'ON CONFLICT DO NOTHING');
      }
    }
    return change;
  }
}
