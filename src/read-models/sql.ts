import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { DEFAULT_PG, openPool } from '../event-store/postgres/pg-pool.js';
import type { PgTuning } from '../event-store/postgres/pg-pool.js';
import { inTransaction } from '../event-store/postgres/pg-transaction.js';

export type Param = string | number | bigint | null;

/**
 * The little SQL the read models need, written once for SQLite and PostgreSQL: `?` placeholders,
 * `ON CONFLICT` upserts, TEXT and BIGINT columns. A transaction runs on one connection.
 */
export interface Sql {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** Rows as arrays in column order: no object per row, for the scans that read millions. */
  rows(sql: string, params?: readonly Param[]): Promise<unknown[][]>;
  run(sql: string, params?: readonly Param[]): Promise<void>;
  /** Many rows into one table: one statement per row on SQLite, one statement of column arrays per chunk on PostgreSQL. */
  insertMany(table: string, columns: readonly string[], rows: readonly Param[][], conflict?: string): Promise<void>;
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class SqliteSql implements Sql {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();
  private readonly raw = new Map<string, Database.Statement>();
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // Its own connection: the event store's appends must never land inside a read-model transaction.
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Read models can be rebuilt from the log, and their checkpoint commits with them: a
    // transaction lost to a power cut is projected again, so they skip the fsync per commit.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    // A catching-up batch dirties pages all over the unit and thread tables; with SQLite's 2 MiB
    // default they are read back from the file and spilled to the WAL before the commit.
    this.db.pragma('cache_size = -65536');
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return this.prepare(sql).all(...params) as T[];
  }

  async rows(sql: string, params: readonly Param[] = []): Promise<unknown[][]> {
    let statement = this.raw.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).raw(true);
      this.raw.set(sql, statement);
    }
    return statement.all(...params) as unknown[][];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<void> {
    if (params.length === 0 && !this.statements.has(sql) && sql.includes(';')) this.db.exec(sql);
    else this.prepare(sql).run(...params);
  }

  async insertMany(table: string, columns: readonly string[], rows: readonly Param[][], conflict = ''): Promise<void> {
    if (rows.length === 0) return;
    const statement = this.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${conflict}`);
    // One commit for the rows, not one each; inside a transaction already, a savepoint.
    this.db.transaction(() => {
      for (const row of rows) statement.run(...row);
    })();
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(this);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

const CHUNK = 5_000;
/** Tables are dropped and made again under the same names with the same columns: their types are read once per process. */
const COLUMN_TYPES = new Map<string, Map<string, string>>();

export class PostgresSql implements Sql {
  readonly dialect = 'postgres';

  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    private readonly owned: boolean,
  ) {}

  static open(connectionString: string, tuning: PgTuning = DEFAULT_PG): PostgresSql {
    return new PostgresSql(openPool(connectionString, tuning, tuning.readPool), true);
  }

  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    const { rows } = await this.client.query(numbered(sql), params.map(wire));
    return rows as T[];
  }

  async rows(sql: string, params: readonly Param[] = []): Promise<unknown[][]> {
    const { rows } = await this.client.query<unknown[]>({ text: numbered(sql), values: params.map(wire), rowMode: 'array' });
    return rows;
  }

  async run(sql: string, params: readonly Param[] = []): Promise<void> {
    await this.client.query(params.length ? numbered(sql) : sql, params.map(wire));
  }

  /**
   * One array per column, unnested by the server: a prepared statement of a few parameters
   * whatever the number of rows (binding a parameter per value cost more than the insert).
   */
  async insertMany(table: string, columns: readonly string[], rows: readonly Param[][], conflict = ''): Promise<void> {
    if (rows.length === 0) return;
    const types = await this.columnTypes(table);
    const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${types.get(c) ?? 'text'}[]`).join(', ')}) ${conflict}`;
    const name = `many-${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      await this.client.query({ name, text, values: columns.map((_, c) => chunk.map((row) => wire(row[c]!))) });
    }
  }

  private async columnTypes(table: string): Promise<Map<string, string>> {
    let types = COLUMN_TYPES.get(table);
    if (!types) {
      const { rows } = await this.client.query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
        [table],
      );
      COLUMN_TYPES.set(table, (types = new Map(rows.map((r) => [r.name, r.type]))));
    }
    return types;
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (!(this.client instanceof pg.Pool)) return work(this);
    return inTransaction(this.client, (client) => work(new PostgresSql(client, false)));
  }

  async close(): Promise<void> {
    if (this.owned && this.client instanceof pg.Pool) await this.client.end();
  }
}

/**
 * The PostgreSQL schema a namespace (`schema.`) names. Several parts of one process create it
 * at start; CREATE SCHEMA IF NOT EXISTS can still collide when two run at once, which is fine.
 */
export async function ensureSchema(sql: Sql, namespace: string): Promise<void> {
  if (sql.dialect !== 'postgres' || !namespace) return;
  try {
    await sql.run(`CREATE SCHEMA IF NOT EXISTS ${namespace.slice(0, -1)}`);
  } catch (error) {
    if (!['23505', '42P06'].includes((error as { code?: string }).code ?? '')) throw error;
  }
}

/** A table's name without its schema, as an upsert names the row it conflicts with in PostgreSQL. */
export function bare(table: string): string {
  return table.slice(table.lastIndexOf('.') + 1);
}

/** `?, ?, ?`: the placeholders of an `IN (...)` list of `count` values (at least one). */
export function inList(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function wire(value: Param): string | number | null {
  return typeof value === 'bigint' ? value.toString() : value;
}
