import { ENGINE_VERSION } from '../../projections/rating/rating.projection.js';
import { Checkpoints } from './processor/checkpoints.js';
import { PARTITIONS } from './processor/partitions.js';
import type { Sql } from './sql.js';
import { ensureSchema } from './sql.js';

/** Bumped when the tables change shape; the engine version is the other half of a projection's version. */
const SCHEMA_REVISION = 7;

export const PROJECTION_VERSION = `${ENGINE_VERSION}+${SCHEMA_REVISION}`;

/**
 * The names of one projection version's tables. A new version builds into fresh tables beside
 * the live ones, and reads switch once every partition has caught up.
 */
export class ReadModelTables {
  readonly settings: string;
  readonly threads: string;
  readonly units: string;
  readonly orphans: string;
  readonly drafts: string;
  readonly dirty: string;
  readonly invoices: string;
  readonly failures: string;
  readonly blocked: string;
  readonly findings: string;
  readonly compared: string;
  readonly checkpoints: Checkpoints;
  readonly partitions = PARTITIONS;

  constructor(
    readonly namespace: string,
    readonly version: string,
  ) {
    const prefix = `${namespace}rm_${version.replace(/[^a-z0-9]/gi, '_')}_`;
    this.settings = `${prefix}settings`;
    this.threads = `${prefix}threads`;
    this.units = `${prefix}units`;
    this.orphans = `${prefix}orphans`;
    this.drafts = `${prefix}drafts`;
    this.dirty = `${prefix}dirty`;
    this.invoices = `${prefix}invoices`;
    this.failures = `${prefix}failures`;
    this.blocked = `${prefix}blocked`;
    this.findings = `${prefix}findings`;
    this.compared = `${prefix}compared`;
    this.checkpoints = new Checkpoints(`${prefix}checkpoints`);
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
    // Findings are paged by their text key: byte order on both stores, as the ledger compares ids.
    const bytes = sql.dialect === 'postgres' ? ' COLLATE "C"' : '';
    const statements = [
      // Accounts, numbers, cards and maps in log order: every partition's state at its own checkpoint is a prefix of it.
      `CREATE TABLE IF NOT EXISTS ${this.settings} (commit_pos BIGINT NOT NULL, prepare_pos BIGINT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (commit_pos, prepare_pos))`,
      `CREATE TABLE IF NOT EXISTS ${this.threads} (stream TEXT PRIMARY KEY, partition INTEGER NOT NULL, waba_id TEXT NOT NULL, phone_number_id TEXT NOT NULL, customer TEXT NOT NULL,
        first_at BIGINT NOT NULL, last_at BIGINT NOT NULL, open_until BIGINT, windows TEXT NOT NULL, units TEXT NOT NULL, position TEXT NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.threads, 'waba')} ON ${this.threads} (waba_id, last_at)`,
      // Keyed in charge order, so stage 2 reads a WABA's month as one range of the table itself. No
      // index by thread: a thread row lists its units' keys, and an index on random stream names
      // would dirty a page per unit in every batch.
      `CREATE TABLE IF NOT EXISTS ${this.units} (waba_id TEXT NOT NULL, period TEXT NOT NULL, opened_at BIGINT NOT NULL, unit_id TEXT NOT NULL,
        priced_at BIGINT NOT NULL, phone_number_id TEXT NOT NULL, category TEXT NOT NULL, market TEXT NOT NULL, charge TEXT NOT NULL, era TEXT NOT NULL,
        stream TEXT NOT NULL, customer TEXT NOT NULL, country TEXT, expires_at BIGINT, message_ids TEXT,
        PRIMARY KEY (waba_id, period, opened_at, unit_id, stream))${clustered}`,
      // Threads whose WABA was not registered when their events came: folded once it is.
      `CREATE TABLE IF NOT EXISTS ${this.orphans} (stream TEXT NOT NULL, waba_id TEXT NOT NULL, PRIMARY KEY (waba_id, stream))`,
      `CREATE TABLE IF NOT EXISTS ${this.drafts} (waba_id TEXT NOT NULL, period TEXT NOT NULL, partition INTEGER NOT NULL, currency TEXT NOT NULL, total TEXT NOT NULL,
        hash TEXT NOT NULL, position TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (waba_id, period))`,
      `CREATE TABLE IF NOT EXISTS ${this.dirty} (waba_id TEXT NOT NULL, period TEXT NOT NULL, partition INTEGER NOT NULL, PRIMARY KEY (waba_id, period))`,
      `CREATE TABLE IF NOT EXISTS ${this.invoices} (invoice_id TEXT PRIMARY KEY, partition INTEGER NOT NULL, waba_id TEXT NOT NULL, period TEXT NOT NULL, status TEXT NOT NULL,
        revision INTEGER NOT NULL, currency TEXT NOT NULL, total TEXT NOT NULL, hash TEXT NOT NULL, position TEXT NOT NULL, data TEXT NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.invoices, 'period')} ON ${this.invoices} (period, waba_id)`,
      `CREATE TABLE IF NOT EXISTS ${this.failures} (id TEXT PRIMARY KEY, partition INTEGER NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, waba_id TEXT,
        position TEXT NOT NULL, stream TEXT, event_type TEXT, code TEXT NOT NULL, message TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        attempts INTEGER NOT NULL, retry INTEGER NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.blocked} (failure_id TEXT NOT NULL, waba_id TEXT NOT NULL, period TEXT NOT NULL, partition INTEGER NOT NULL, PRIMARY KEY (failure_id, waba_id, period))`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.blocked, 'month')} ON ${this.blocked} (waba_id, period)`,
      // Meta's stated verdicts against the ledger's, per thread and month, kept when the thread is folded and replaced
      // whole when it is folded again (keyed by stream for that). `depends` is '' for a finding that holds however the
      // month is rated, else the rated charge of `unit` it needs. Counts and pages read a month by kind, then message id.
      `CREATE TABLE IF NOT EXISTS ${this.findings} (stream TEXT${bytes} NOT NULL, period TEXT NOT NULL, message_id TEXT${bytes} NOT NULL, kind TEXT${bytes} NOT NULL,
        depends TEXT${bytes} NOT NULL, waba_id TEXT NOT NULL, ledger TEXT NOT NULL, meta TEXT NOT NULL, phone_number_id TEXT NOT NULL, customer TEXT NOT NULL, unit TEXT,
        PRIMARY KEY (stream, period, message_id, kind, depends))${clustered}`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.findings, 'kind')} ON ${this.findings} (waba_id, period, kind, message_id, stream, depends)`,
      // The few findings a free allowance decides, read whole for every count.
      `CREATE INDEX IF NOT EXISTS ${this.index(this.findings, 'depends')} ON ${this.findings} (waba_id, period) WHERE depends <> ''`,
      `CREATE TABLE IF NOT EXISTS ${this.compared} (stream TEXT NOT NULL, period TEXT NOT NULL, waba_id TEXT NOT NULL, messages INTEGER NOT NULL, PRIMARY KEY (stream, period))${clustered}`,
      `CREATE INDEX IF NOT EXISTS ${this.index(this.compared, 'month')} ON ${this.compared} (waba_id, period, messages)`,
    ];
    for (const statement of statements) await sql.run(statement);
    await this.checkpoints.create(sql, this.partitions);
  }

  async drop(sql: Sql): Promise<void> {
    const tables = [this.settings, this.threads, this.units, this.orphans, this.drafts, this.dirty, this.invoices, this.failures, this.blocked, this.findings, this.compared, this.checkpoints.table];
    for (const table of tables) await sql.run(`DROP TABLE IF EXISTS ${table}`);
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
