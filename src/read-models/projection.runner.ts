import { setTimeout as sleep } from 'node:timers/promises';
import type { InvoiceVoidedData, Positioned, ThreadKey } from '../../projections/events.js';
import { draftHash } from '../../projections/invoices/invoice-hash.js';
import type { Invoice, InvoiceEvent } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import type { AccountContext } from '../../projections/thread/thread.types.js';
import { openUntil } from '../../projections/thread/windows.js';
import { monthPlus, parseInstant, ZoneCalendar } from '../../projections/time/zone-calendar.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions, formatPosition, START } from '../event-store/position.js';
import { EngineState } from './engine-state.js';
import { INVOICE_TYPES, THREAD_TYPES, threadHistory, toPositioned } from './thread-history.js';
import type { Checkpoint, ProjectionRegistry, ReadModelTables } from './read-model.schema.js';
import type { Param, Sql } from './sql.js';
import type { UnitKey } from './unit-rows.js';
import { monthUnits, RATED_COLUMNS, UNIT_BY_KEY, UNIT_COLUMNS, UNIT_SELECT, unitRow } from './unit-rows.js';
import type { Charged, MonthChange } from './month-raters.js';
import { MonthRaters } from './month-raters.js';

export interface RunnerOptions {
  /** Events per read of the log: one page is routed and folded at a time, so memory holds one page. */
  readonly batchSize?: number;
  /**
   * While catching up, pages share a transaction until this many events: a commit writes every
   * page the batch dirtied, so fewer, larger commits write each page fewer times.
   */
  readonly commitEvery?: number;
  /** Rate touched account-months at least every this many events while catching up (stage 2 is per month, not per event). */
  readonly rateEvery?: number;
  /**
   * Once caught up, rate at most this often: stage 2 re-rates a whole account-month, so rating
   * after every small batch would cost a month of units per webhook. Drafts lag by this much.
   */
  readonly rateIntervalMs?: number;
  /** Portfolio-months whose rater is kept after rating, so later units extend it (least recently rated go first); a rater holds tens of kilobytes. */
  readonly heldMonths?: number;
  /** The ledger's clock, for the moment a version goes live. */
  readonly clock?: () => Date;
}

/** The runner's tuning from the ledger's configuration, the same in every thread and command. */
export function runnerOptions(config: LedgerConfig): RunnerOptions {
  return { batchSize: config.projectionBatch, commitEvery: config.projectionCommit, heldMonths: config.projectionHeldMonths };
}

export interface BatchReport {
  readonly events: number;
  readonly threads: number;
  /** Drafts written. */
  readonly rated: number;
  /** Portfolio-months rated by feeding only their new units to the rater kept from the last rating. */
  readonly extended: number;
  readonly position: Position;
  readonly caughtUp: boolean;
}


/** Another runner moved this version's checkpoint: its batch won, this one is rolled back. */
export class RunnerConflict extends Error {}

/**
 * Keeps one projection version's read models current: reads the log in commit order, re-folds
 * every thread a batch touches (its whole history, so a late status lands where it belongs),
 * re-rates every touched account-month, and writes read models and checkpoint in one
 * transaction. A crash anywhere leaves the last committed batch, never half of one.
 */
export class ProjectionRunner {
  private state = new EngineState();
  private checkpoint: Checkpoint = { position: START, rated: START, events: 0, settings: START };
  private sinceRating = 0;
  private ratedAt = Number.NEGATIVE_INFINITY;
  private waiting = false;
  /** Not live yet: even an empty log must be "caught up" once, so that reads switch to this version. */
  private building = true;
  private readonly batchSize: number;
  private readonly commitEvery: number;
  private readonly rateEvery: number;
  private readonly rateIntervalMs: number;
  private readonly clock: () => Date;
  private readonly raters: MonthRaters;
  /** Unit changes per account-month since it was last rated, for months rated by extending their rater. */
  private readonly changes = new Map<string, MonthChange>();

  constructor(
    private readonly store: EventStore,
    private readonly sql: Sql,
    readonly tables: ReadModelTables,
    private readonly registry: ProjectionRegistry,
    options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2_000;
    this.commitEvery = Math.max(options.commitEvery ?? 100_000, this.batchSize);
    this.rateEvery = options.rateEvery ?? 100_000;
    this.rateIntervalMs = options.rateIntervalMs ?? 1_000;
    this.clock = options.clock ?? (() => new Date());
    this.raters = new MonthRaters(options.heldMonths ?? 2_000);
  }

  get position(): Checkpoint {
    return this.checkpoint;
  }

  async init(): Promise<void> {
    await this.registry.create(this.sql);
    await this.tables.create(this.sql);
    await this.registry.building(this.sql, this.tables.version);
    await this.load();
  }

  /** Forgets this version's tables and replays the log from position 0. */
  async reset(): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await this.tables.drop(tx);
      await this.tables.create(tx);
      await tx.run(`UPDATE ${this.registry.table} SET status = 'building' WHERE version = ?`, [this.tables.version]);
    });
    await this.load();
  }

  nextBatch(): Promise<StoredEvent[]> {
    return this.store.readAllPage(this.checkpoint.position, this.batchSize);
  }

  /** Processes batches until the log has nothing more, then rates whatever still waits. */
  async catchUp(onBatch?: (report: BatchReport) => void): Promise<Checkpoint> {
    for (;;) {
      const report = await this.apply(await this.nextBatch());
      onBatch?.(report);
      if (!report.caughtUp) continue;
      if (this.waiting) await this.apply([], true);
      return this.checkpoint;
    }
  }

  /** Follows the log until the signal aborts; an abort lets the current batch finish. */
  async follow(signal: AbortSignal, onBatch?: (report: BatchReport) => void, idleMs = 50): Promise<void> {
    while (!signal.aborted) {
      const batch = await this.nextBatch();
      let caughtUp = batch.length < this.batchSize;
      if (batch.length > 0 || this.waiting || this.building) {
        const report = await this.apply(batch);
        if (batch.length > 0) onBatch?.(report);
        caughtUp = report.caughtUp;
      }
      if (caughtUp) await sleep(idleMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /**
   * Follows the log until the signal aborts, as a server's runner does: a failed batch is rolled
   * back, reported, and tried again from the last checkpoint a second later.
   */
  async followRetrying(signal: AbortSignal, onBatch: (report: BatchReport) => void, onFailure: (error: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.follow(signal, onBatch);
      } catch (error) {
        onFailure(error);
        await sleep(1_000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Drafts wait for rating: stage 2 is due when enough events passed, or when caught up and the interval is over. */
  private rateDue(caughtUp: boolean): boolean {
    if (this.sinceRating >= this.rateEvery) return true;
    return caughtUp && performance.now() - this.ratedAt >= this.rateIntervalMs;
  }

  /**
   * One batch, in one transaction: this page, and while the log has more, further pages up to
   * `commitEvery` events. An empty batch rates whatever waits and can switch this version live.
   */
  async apply(batch: readonly StoredEvent[], rateNow = false): Promise<BatchReport> {
    try {
      return await this.sql.transaction(async (tx) => {
        await this.assertCheckpoint(tx);
        const work = new Batch(tx, this.tables, this.state, this.store, this.changes, this.raters, this.checkpoint.events);
        let page = batch;
        let end = this.checkpoint.position;
        let events = 0;
        let threads = 0;
        for (;;) {
          for (const event of page) await work.route(event);
          if (page.length) end = page[page.length - 1]!.position;
          threads += await work.refold(end);
          events += page.length;
          if (page.length < this.batchSize || events >= this.commitEvery) break;
          page = await this.store.readAllPage(end, this.batchSize);
        }
        const caughtUp = page.length < this.batchSize;
        await work.persistDirty();
        this.sinceRating += events;
        let rated = { drafts: 0, extended: 0 };
        let ratedUpTo = this.checkpoint.rated;
        const waiting = this.waiting || work.dirtied;
        if (!waiting) ratedUpTo = end;
        else if (rateNow || this.rateDue(caughtUp)) {
          rated = await rateDirty(tx, this.tables, this.state, this.raters, this.changes, formatPosition(end));
          ratedUpTo = end;
        }
        const ratedNow = ratedUpTo === end && waiting;
        const next: Checkpoint = { position: end, rated: ratedUpTo, events: this.checkpoint.events + events, settings: work.settingsChanged ? end : this.checkpoint.settings };
        await tx.run(
          `INSERT INTO ${this.tables.checkpoint} (id, position, rated, events, settings) VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET position = excluded.position, rated = excluded.rated, events = excluded.events, settings = excluded.settings`,
          [formatPosition(next.position), formatPosition(next.rated), next.events, formatPosition(next.settings)],
        );
        if (caughtUp && (await this.registry.status(tx, this.tables.version)) === 'building') {
          await this.registry.switchTo(tx, this.tables.version, this.clock().toISOString());
        }
        this.checkpoint = next;
        if (caughtUp) this.building = false;
        this.waiting = comparePositions(ratedUpTo, end) < 0;
        if (ratedNow) {
          this.sinceRating = 0;
          this.ratedAt = performance.now();
        }
        return { events, threads, rated: rated.drafts, extended: rated.extended, position: end, caughtUp };
      });
    } catch (error) {
      // The engine state and the raters may hold part of a batch that never committed: start again from the tables.
      await this.load();
      throw error;
    }
  }

  /** Two runners on one set of tables would each apply a batch: the second one's transaction stops here. */
  private async assertCheckpoint(tx: Sql): Promise<void> {
    const stored = (await this.tables.readCheckpoint(tx)).position;
    if (comparePositions(stored, this.checkpoint.position) !== 0) {
      throw new RunnerConflict(`projection ${this.tables.version} moved to ${formatPosition(stored)} under this runner (at ${formatPosition(this.checkpoint.position)}): another runner is writing it`);
    }
  }

  private async load(): Promise<void> {
    const state = await this.tables.readEngineState(this.sql);
    const dirty = await this.sql.all<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${this.tables.dirty}`);
    this.state = state;
    this.raters.clear();
    this.changes.clear();
    this.sinceRating = 0;
    this.waiting = Number(dirty[0]?.n ?? 0) > 0;
    this.building = (await this.registry.status(this.sql, this.tables.version)) === 'building';
    this.checkpoint = await this.tables.readCheckpoint(this.sql);
  }
}

/** The work of one batch: which threads to re-fold and which account-months to re-rate. */
class Batch {
  private readonly threads = new Map<string, Positioned[]>();
  private readonly refoldAll = new Set<string>();
  private readonly dirty = new Set<string>();
  private seq: number;
  /** Whether this batch left any account-month to rate (rate cards and settings mark them in SQL). */
  dirtied = false;
  /** Whether this batch changed accounts, numbers, cards or maps. */
  settingsChanged = false;

  constructor(
    private readonly tx: Sql,
    private readonly tables: ReadModelTables,
    private readonly state: EngineState,
    private readonly store: EventStore,
    private readonly changes: Map<string, MonthChange>,
    private readonly raters: MonthRaters,
    seq: number,
  ) {
    this.seq = seq;
  }

  async route(event: StoredEvent): Promise<void> {
    this.seq += 1;
    if (THREAD_TYPES.has(event.type)) {
      let events = this.threads.get(event.stream);
      if (!events) this.threads.set(event.stream, (events = []));
      events.push(toPositioned(event));
      return;
    }
    if (INVOICE_TYPES.has(event.type)) {
      await this.saveInvoice(event);
      return;
    }
    const applied = this.state.apply(event);
    if (!applied) return;
    this.settingsChanged = true;
    switch (applied.type) {
      case 'AccountRegistered': {
        const { account } = applied;
        await this.saveAccount(account.wabaId);
        // Threads recorded before their account was known waited for it.
        this.refoldAll.add(account.wabaId);
        return;
      }
      case 'AccountSettingsChanged': {
        const { account } = applied;
        await this.saveAccount(account.wabaId);
        this.refoldAll.add(account.wabaId);
        await this.tx.run(`INSERT INTO ${this.tables.dirty} (waba_id, period) SELECT waba_id, period FROM ${this.tables.drafts} WHERE waba_id = ? ON CONFLICT DO NOTHING`, [account.wabaId]);
        this.dirtied = true;
        return;
      }
      case 'PhoneNumberAttached': {
        const { data } = applied;
        await this.tx.run(
          `INSERT INTO ${this.tables.numbers} (phone_number_id, waba_id) VALUES (?, ?) ON CONFLICT (phone_number_id) DO UPDATE SET waba_id = excluded.waba_id`,
          [data.phoneNumberId, data.wabaId],
        );
        return;
      }
      case 'RateCardPublished': {
        const { data } = applied;
        await this.tx.run(
          `INSERT INTO ${this.tables.rateCards} (rate_card_id, version, seq, data) VALUES (?, ?, ?, ?)
           ON CONFLICT (rate_card_id, version) DO UPDATE SET seq = excluded.seq, data = excluded.data`,
          [data.rateCardId, data.version, this.seq, JSON.stringify(data)],
        );
        // Prices changed, units did not: only stage 2 reruns, for the months the card can reach.
        const from = monthPlus(data.effectiveFrom.slice(0, 7), -1);
        await this.tx.run(
          `INSERT INTO ${this.tables.dirty} (waba_id, period)
           SELECT d.waba_id, d.period FROM ${this.tables.drafts} d JOIN ${this.tables.accounts} a ON a.waba_id = d.waba_id
           WHERE a.rate_card_id = ? AND d.period >= ? ON CONFLICT DO NOTHING`,
          [data.rateCardId, from],
        );
        this.dirtied = true;
        return;
      }
      case 'MarketMapPublished': {
        const { data } = applied;
        await this.tx.run(
          `INSERT INTO ${this.tables.marketMaps} (version, seq, data) VALUES (?, ?, ?) ON CONFLICT (version) DO UPDATE SET seq = excluded.seq, data = excluded.data`,
          [data.version, this.seq, JSON.stringify(data)],
        );
        for (const waba of this.state.accounts.keys()) this.refoldAll.add(waba);
        return;
      }
    }
  }

  /** The invoice table is an index for listing; the invoice stream stays the record. */
  private async saveInvoice(event: StoredEvent): Promise<void> {
    const rows = await this.tx.all<{ data: string }>(`SELECT data FROM ${this.tables.invoices} WHERE invoice_id = ?`, [(event.data as InvoiceVoidedData).invoiceId]);
    const before = rows[0] ? (JSON.parse(rows[0].data) as Invoice) : undefined;
    const invoice = invoiceOf([event as unknown as InvoiceEvent], before);
    if (!invoice) return;
    await this.tx.run(
      `INSERT INTO ${this.tables.invoices} (invoice_id, waba_id, period, status, revision, currency, total, hash, position, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (invoice_id) DO UPDATE SET status = excluded.status, revision = excluded.revision, currency = excluded.currency, total = excluded.total,
       hash = excluded.hash, position = excluded.position, data = excluded.data`,
      [invoice.invoiceId, invoice.wabaId, invoice.period, invoice.status, invoice.revision, invoice.currency, invoice.total, invoice.hash, formatPosition(event.position), JSON.stringify(invoice)],
    );
  }

  private async saveAccount(wabaId: string): Promise<void> {
    const account = this.state.accounts.get(wabaId)!;
    await this.tx.run(
      `INSERT INTO ${this.tables.accounts} (waba_id, portfolio_id, rate_card_id, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (waba_id) DO UPDATE SET portfolio_id = excluded.portfolio_id, rate_card_id = excluded.rate_card_id, data = excluded.data`,
      [account.wabaId, account.portfolioId, account.rateCardId, JSON.stringify(account)],
    );
  }

  /** Folds the threads routed since the last call; answers how many. */
  async refold(end: Position): Promise<number> {
    for (const waba of this.refoldAll) {
      const rows = await this.tx.all<{ stream: string }>(`SELECT stream FROM ${this.tables.threads} WHERE waba_id = ?`, [waba]);
      for (const { stream } of rows) if (!this.threads.has(stream)) this.threads.set(stream, []);
    }
    const newUnits: Param[][] = [];
    const threadRows: Param[][] = [];
    for (const [stream, fresh] of this.threads) {
      const known = await this.tx.all<{ units: string }>(`SELECT units FROM ${this.tables.threads} WHERE stream = ?`, [stream]);
      const old = known[0] ? (JSON.parse(known[0].units) as UnitKey[]) : undefined;
      // A thread seen for the first time has its whole history in this batch; any other is read back from the log.
      const history = old ? await threadHistory(this.store, stream, end) : fresh;
      const key = history[0]?.data as ThreadKey | undefined;
      if (!key) continue;
      const stored = new Map<string, unknown[]>();
      for (const unitKey of old ?? []) {
        for (const row of await this.tx.rows(`SELECT ${UNIT_SELECT} FROM ${this.tables.units} WHERE ${UNIT_BY_KEY}`, [...unitKey, stream])) stored.set(unitKey[3], row);
      }
      const account = this.state.accounts.get(key.wabaId);
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const event of history) {
        const at = parseInstant(event.data.timestamp);
        if (at < first) first = at;
        if (at > last) last = at;
      }
      let windows = '{}';
      let until: number | null = null;
      const keys: UnitKey[] = [];
      if (account) {
        const result = foldThread(history, account, this.state.engine);
        const calendar = ZoneCalendar.of(account.timezone);
        for (const unit of result.units) {
          const at = parseInstant(unit.openedAt);
          const period = calendar.month(at);
          const row = unitRow(stream, period, at, unit);
          keys.push([unit.wabaId, period, at, unit.id]);
          const before = stored.get(unit.id);
          stored.delete(unit.id);
          // A re-fold mostly finds the units it had: rows left alone are pages a commit does not write.
          if (before && sameColumns(before, row, UNIT_COLUMNS.length)) continue;
          const rated = !before || !sameColumns(before, row, RATED_COLUMNS);
          if (before) await this.remove(before, stream, rated);
          if (rated) this.added(account, period, { unit, at });
          newUnits.push(row);
        }
        windows = JSON.stringify(result.windows);
        until = openUntil(result.windows);
      }
      for (const gone of stored.values()) await this.remove(gone, stream, true);
      threadRows.push([stream, key.wabaId, key.phoneNumberId, key.customer, first, last, until, windows, JSON.stringify(keys), formatPosition(end)]);
    }
    await this.tx.insertMany(this.tables.units, UNIT_COLUMNS, newUnits);
    await this.tx.insertMany(
      this.tables.threads,
      ['stream', 'waba_id', 'phone_number_id', 'customer', 'first_at', 'last_at', 'open_until', 'windows', 'units', 'position'],
      threadRows,
      `ON CONFLICT (stream) DO UPDATE SET first_at = excluded.first_at, last_at = excluded.last_at, open_until = excluded.open_until,
       windows = excluded.windows, units = excluded.units, position = excluded.position`,
    );
    const folded = this.threads.size;
    this.threads.clear();
    this.refoldAll.clear();
    return folded;
  }

  /** Deletes a stored unit row; `rated` when its month's pricing can move (the unit left or changed a rated field). */
  private async remove(row: readonly unknown[], stream: string, rated: boolean): Promise<void> {
    const [waba, period, openedAt, unitId] = row as [string, string, number | string, string];
    await this.tx.run(`DELETE FROM ${this.tables.units} WHERE ${UNIT_BY_KEY}`, [waba, period, Number(openedAt), unitId, stream]);
    if (rated) this.change(waba, period).whole = true;
  }

  /** A unit to rate: held for extending its month's kept rater, if there is one to extend. */
  private added(account: AccountContext, period: string, charged: Charged): void {
    const change = this.change(account.wabaId, period);
    if (change.whole) return;
    if (this.raters.has(monthKey(account.portfolioId, period))) change.added.push(charged);
    else change.whole = true;
  }

  private change(waba: string, period: string): MonthChange {
    const key = monthKey(waba, period);
    let change = this.changes.get(key);
    if (!change) this.changes.set(key, (change = { added: [], whole: false }));
    this.dirty.add(key);
    return change;
  }

  async persistDirty(): Promise<void> {
    if (this.dirty.size) this.dirtied = true;
    const rows = [...this.dirty].map((key) => key.split(MONTH_KEY) as Param[]);
    await this.tx.insertMany(this.tables.dirty, ['waba_id', 'period'], rows, 'ON CONFLICT DO NOTHING');
  }
}

/**
 * Stage 2 for every account-month waiting in `dirty`. A portfolio's WABAs share volume tiers,
 * so a touched month is rated with every WABA of its portfolio. A month that only gained units
 * charged after its last rated one extends its kept rater and rewrites the touched drafts; any
 * other is rated from all its units, and all its WABAs' drafts are rewritten.
 */
async function rateDirty(
  tx: Sql,
  tables: ReadModelTables,
  state: EngineState,
  raters: MonthRaters,
  changes: Map<string, MonthChange>,
  position: string,
): Promise<{ drafts: number; extended: number }> {
  const dirty = await tx.all<{ waba_id: string; period: string }>(`SELECT waba_id, period FROM ${tables.dirty}`);
  const touched = new Set(dirty.map((d) => monthKey(d.waba_id, d.period)));
  const groups = new Map<string, { period: string; portfolio: string }>();
  for (const row of dirty) {
    const account = state.accounts.get(row.waba_id);
    if (!account) continue;
    groups.set(monthKey(account.portfolioId, row.period), { period: row.period, portfolio: account.portfolioId });
  }
  let drafts = 0;
  let extended = 0;
  for (const [group, { period, portfolio }] of groups) {
    const members = [...(state.portfolios.get(portfolio) ?? [])].sort();
    const accounts = new Map(members.map((waba) => [waba, state.accounts.get(waba)!]));
    const changed = members.filter((waba) => touched.has(monthKey(waba, period)));
    let rater = raters.extend(group, state.book, accounts, changed.map((waba) => changes.get(monthKey(waba, period))));
    let written = changed;
    if (rater) extended += 1;
    else {
      const { units, withUnits } = await monthUnits(tx, tables.units, members, period);
      rater = raters.start(group, state.book, state.timeline, accounts, units);
      written = members.filter((waba) => withUnits.has(waba) || touched.has(monthKey(waba, period)));
    }
    const rows: Param[][] = [];
    for (const waba of written) {
      const draft = rater.draft(waba, period);
      rows.push([waba, period, draft.currency, draft.total, draftHash(draft), position, JSON.stringify(draft)]);
      drafts += 1;
    }
    await tx.insertMany(
      tables.drafts,
      ['waba_id', 'period', 'currency', 'total', 'hash', 'position', 'data'],
      rows,
      `ON CONFLICT (waba_id, period) DO UPDATE SET currency = excluded.currency, total = excluded.total, hash = excluded.hash,
       position = excluded.position, data = excluded.data`,
    );
  }
  await tx.run(`DELETE FROM ${tables.dirty}`);
  changes.clear();
  return { drafts, extended };
}

const MONTH_KEY = '\u0000';
const monthKey = (owner: string, period: string): string => `${owner}${MONTH_KEY}${period}`;

/** Whether a stored row (numbers may come back as text) holds the same first `count` values as a new one. */
function sameColumns(stored: readonly unknown[], row: readonly Param[], count: number): boolean {
  for (let i = 0; i < count; i++) {
    const a = stored[i] as Param;
    const b = row[i];
    if (a === b) continue;
    if (a === null || b === null || String(a) !== String(b)) return false;
  }
  return true;
}
