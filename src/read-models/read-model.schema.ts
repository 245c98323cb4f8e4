import type { MarketMapPublishedData, RateCardPublishedData } from '../../projections/events.js';
import { ENGINE_VERSION } from '../../projections/rating/rating.projection.js';
import type { AccountContext } from '../../projections/thread/thread.types.js';
import type { Position } from '../event-store/position.js';
import { parsePosition, START } from '../event-store/position.js';
import { EngineState } from './engine-state.js';
import type { Sql } from './sql.js';
import { ensureSchema } from './sql.js';

/** Bumped when the tables change shape; the engine version is the other half of a projection's version. */
const SCHEMA_REVISION = 5;

export const PROJECTION_VERSION = `${ENGINE_VERSION}+${SCHEMA_REVISION}`;

export interface Checkpoint {
  readonly position: Position;
  /** Drafts reflect every event up to here; behind `position` while touched months wait to be rated. */
  readonly rated: Position;
  readonly events: number;
  /** Where accounts, numbers, cards or maps last changed: a reader holding engine state reloads it when this moves. */
  readonly settings: Position;
}

/**
 * The names of one projection version's tables. A new version builds into fresh tables beside
 * the live ones, and reads switch once it has caught up.
 */
export class ReadModelTables {
  readonly accounts: string;
  readonly numbers: string;
  readonly rateCards: string;
  readonly marketMaps: string;
  readonly threads: string;
  readonly units: string;
  readonly drafts: string;
  readonly dirty: string;
  readonly invoices: string;
  readonly checkpoint: string;

  constructor(
    readonly namespace: string,
    readonly version: string,
  ) {
    const prefix = `${namespace}rm_${version.replace(/[^a-z0-9]/gi, '_')}_`;
    this.accounts = `${prefix}accounts`;
    this.numbers = `${prefix}numbers`;
    this.rateCards = `${prefix}rate_cards`;
    this.marketMaps = `${prefix}market_maps`;
    this.threads = `${prefix}threads`;
    this.units = `${prefix}units`;
    this.drafts = `${prefix}drafts`;
    this.dirty = `${prefix}dirty`;
    this.invoices = `${prefix}invoices`;
    this.checkpoint = `${prefix}checkpoint`;
  }

  /** Index names are schema-local in PostgreSQL: they take the table name without its schema. */
  private index(table: string, suffix: string): string {
    return `${table.slice(this.namespace.length)}_${suffix}`;
  }

  async create(sql: Sql): Promise<void> {
    // SQLite stores a table keyed by text as one B-tree only when told; PostgreSQL has no such option.
    // Threads are not: their rows (about 550 bytes) would land at random places among whole rows,
    // where a row id appends them and only the small key index takes the random inserts.
    const clustered = sql.dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
    const statements = [
      `CREATE TABLE IF NOT EXISTS ${this.accounts} (waba_id TEXT PRIMARY KEY, portfolio_id TEXT NOT NULL, rate_card_id TEXT NOT NULL, data TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.numbers} (phone_number_id TEXT PRIMARY KEY, waba_id TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.rateCards} (rate_card_id TEXT NOT NULL, version TEXT NOT NULL, seq BIGINT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (rate_card_id, version))`,
      `CREATE TABLE IF NOT EXISTS ${this.marketMaps} (version TEXT PRIMARY KEY, seq BIGINT NOT NULL, data TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.threads} (stream TEXT PRIMARY KEY, waba_id TEXT NOT NULL, phone_number_id TEXT NOT NULL, customer TEXT NOT NULL,
        first_at BIGINT NOT NULL, last_at BIGINT NOT NULL, open_until BIGINT, windows TEXT NOT NULL, units TEXT NOT NULL, position TEXT NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.threads, 'waba')} ON ${this.threads} (waba_id, last_at)`,
      // Keyed in charge order, so stage 2 reads a WABA's month as one range of the table itself. No
      // index by thread: a thread row lists its units' keys, and an index on random stream names
      // would dirty a page per unit in every batch.
      `CREATE TABLE IF NOT EXISTS ${this.units} (waba_id TEXT NOT NULL, period TEXT NOT NULL, opened_at BIGINT NOT NULL, unit_id TEXT NOT NULL,
        priced_at BIGINT NOT NULL, phone_number_id TEXT NOT NULL, category TEXT NOT NULL, market TEXT NOT NULL, charge TEXT NOT NULL, era TEXT NOT NULL,
        stream TEXT NOT NULL, customer TEXT NOT NULL, country TEXT, expires_at BIGINT, message_ids TEXT,
        PRIMARY KEY (waba_id, period, opened_at, unit_id, stream))${clustered}`,
      `CREATE TABLE IF NOT EXISTS ${this.drafts} (waba_id TEXT NOT NULL, period TEXT NOT NULL, currency TEXT NOT NULL, total TEXT NOT NULL,
        hash TEXT NOT NULL, position TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (waba_id, period))`,
      `CREATE TABLE IF NOT EXISTS ${this.dirty} (waba_id TEXT NOT NULL, period TEXT NOT NULL, PRIMARY KEY (waba_id, period))`,
      `CREATE TABLE IF NOT EXISTS ${this.invoices} (invoice_id TEXT PRIMARY KEY, waba_id TEXT NOT NULL, period TEXT NOT NULL, status TEXT NOT NULL,
        revision INTEGER NOT NULL, currency TEXT NOT NULL, total TEXT NOT NULL, hash TEXT NOT NULL, position TEXT NOT NULL, data TEXT NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.invoices, 'period')} ON ${this.invoices} (period, waba_id)`,
      `CREATE TABLE IF NOT EXISTS ${this.checkpoint} (id INTEGER PRIMARY KEY, position TEXT NOT NULL, rated TEXT NOT NULL, events BIGINT NOT NULL, settings TEXT NOT NULL)`,
    ];
    for (const statement of statements) await sql.run(statement);
  }

  /** Where this version stands; the start of the log before its first batch. */
  async readCheckpoint(sql: Sql): Promise<Checkpoint> {
    const rows = await sql.all<{ position: string; rated: string; events: string | number; settings: string }>(`SELECT position, rated, events, settings FROM ${this.checkpoint} WHERE id = 1`);
    const row = rows[0];
    return row
      ? { position: parsePosition(row.position), rated: parsePosition(row.rated), events: Number(row.events), settings: parsePosition(row.settings) }
      : { position: START, rated: START, events: 0, settings: START };
  }

  /** Accounts, numbers, cards and maps as these tables hold them: what folding and rating need besides the units. */
  async readEngineState(sql: Sql): Promise<EngineState> {
    const state = new EngineState();
    for (const row of await sql.all<{ data: string }>(`SELECT data FROM ${this.accounts}`)) state.put(JSON.parse(row.data) as AccountContext);
    for (const row of await sql.all<{ phone_number_id: string; waba_id: string }>(`SELECT phone_number_id, waba_id FROM ${this.numbers}`)) {
      state.numbers.set(row.phone_number_id, row.waba_id);
    }
    for (const row of await sql.all<{ data: string }>(`SELECT data FROM ${this.rateCards} ORDER BY seq`)) state.publishCard(JSON.parse(row.data) as RateCardPublishedData);
    for (const row of await sql.all<{ data: string }>(`SELECT data FROM ${this.marketMaps} ORDER BY seq`)) state.publishMap(JSON.parse(row.data) as MarketMapPublishedData);
    return state;
  }

  async drop(sql: Sql): Promise<void> {
    for (const table of [this.accounts, this.numbers, this.rateCards, this.marketMaps, this.threads, this.units, this.drafts, this.dirty, this.invoices, this.checkpoint]) {
      await sql.run(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

/** Which projection version reads use, and how far each version has come. */
export class ProjectionRegistry {
  readonly table: string;

  constructor(readonly namespace: string) {
    this.table = `${namespace}projections`;
  }

  async create(sql: Sql): Promise<void> {
    await ensureSchema(sql, this.namespace);
    await sql.run(`CREATE TABLE IF NOT EXISTS ${this.table} (version TEXT PRIMARY KEY, status TEXT NOT NULL, switched_at TEXT)`);
  }

  async live(sql: Sql): Promise<string | undefined> {
    const rows = await sql.all<{ version: string }>(`SELECT version FROM ${this.table} WHERE status = 'live'`);
    return rows[0]?.version;
  }

  async building(sql: Sql, version: string): Promise<void> {
    await sql.run(`INSERT INTO ${this.table} (version, status) VALUES (?, 'building') ON CONFLICT (version) DO NOTHING`, [version]);
  }

  async status(sql: Sql, version: string): Promise<string | undefined> {
    const rows = await sql.all<{ status: string }>(`SELECT status FROM ${this.table} WHERE version = ?`, [version]);
    return rows[0]?.status;
  }

  /** One transaction: the old version retires and the new one goes live together. */
  async switchTo(sql: Sql, version: string, at: string): Promise<void> {
    await sql.run(`UPDATE ${this.table} SET status = 'retired' WHERE status = 'live' AND version <> ?`, [version]);
    await sql.run(`UPDATE ${this.table} SET status = 'live', switched_at = ? WHERE version = ?`, [at, version]);
  }
}
