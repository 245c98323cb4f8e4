import type { LedgerConfig } from '../config/ledger.config.js';
import type { Sql } from './sql.js';
import { PostgresSql, SqliteSql } from './sql.js';

export const READ_SQL = Symbol('READ_SQL');

interface Opened {
  readonly sql: Sql;
  readonly namespace: string;
}

const opened = new WeakMap<LedgerConfig, Opened>();
const keys = new WeakMap<LedgerConfig, Opened>();

/**
 * Read models live beside the events: in a SQLite file of their own next to the events' file, or
 * in the same PostgreSQL schema. With EventStoreDB they go to PostgreSQL when LEDGER_PG_URL is
 * set, else to the SQLite file.
 */
export function openReadModelSql(config: LedgerConfig): Opened {
  let found = opened.get(config);
  if (!found) {
    found = config.postgresUrl && config.store !== 'sqlite'
      ? { sql: PostgresSql.open(config.postgresUrl), namespace: `${config.postgresSchema}.` }
      : { sql: new SqliteSql(config.readModelsFile), namespace: '' };
    opened.set(config, found);
  }
  return found;
}

/**
 * API keys are records, not projections: a rebuild must never drop them, so with SQLite they
 * stay in the events' file (where every earlier version kept them too).
 */
export function openKeySql(config: LedgerConfig): Opened {
  if (config.store !== 'sqlite') return openReadModelSql(config);
  let found = keys.get(config);
  if (!found) keys.set(config, (found = { sql: new SqliteSql(config.sqliteFile), namespace: '' }));
  return found;
}
