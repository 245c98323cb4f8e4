import type { LedgerConfig } from '../config/ledger.config.js';
import type { Sql } from './sql.js';
import { PostgresSql, SqliteSql } from './sql.js';

export const READ_SQL = Symbol('READ_SQL');

const opened = new WeakMap<LedgerConfig, { sql: Sql; namespace: string }>();

/**
 * Read models live beside the events: in the same SQLite file, or in the same PostgreSQL schema.
 * With EventStoreDB they go to PostgreSQL when LEDGER_PG_URL is set, else to the SQLite file.
 */
export function openReadModelSql(config: LedgerConfig): { sql: Sql; namespace: string } {
  let found = opened.get(config);
  if (!found) {
    found = config.postgresUrl && config.store !== 'sqlite'
      ? { sql: PostgresSql.open(config.postgresUrl), namespace: `${config.postgresSchema}.` }
      : { sql: new SqliteSql(config.sqliteFile), namespace: '' };
    opened.set(config, found);
  }
  return found;
}
