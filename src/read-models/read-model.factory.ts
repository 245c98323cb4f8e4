import type { LedgerConfig } from '../config/ledger.config.js';
import type { Sql } from './sql.js';
import { PostgresSql, SqliteSql } from './sql.js';

export const READ_SQL = Symbol('READ_SQL');
/** The PostgreSQL schema of the read models (`schema.`), or nothing in SQLite. */
export const READ_NAMESPACE = Symbol('READ_NAMESPACE');
/** This engine version's tables, once they exist. */
export const READ_MODELS_READY = Symbol('READ_MODELS_READY');

interface Opened {
  readonly sql: Sql;
  readonly namespace: string;
}

const opened = new WeakMap<LedgerConfig, Opened>();
const keys = new WeakMap<LedgerConfig, Opened>();

/** Whether read models (and keys) are kept in PostgreSQL rather than in SQLite files. */
export const readModelsInPostgres = (config: LedgerConfig): boolean => Boolean(config.postgresUrl) && config.store !== 'sqlite';

/**
 * Read models live beside the events: in a SQLite file of their own next to the events' file, or
 * in the same PostgreSQL schema. With EventStoreDB they go to PostgreSQL when LEDGER_PG_URL is
 * set, else to the SQLite file.
 */
export function openReadModelSql(config: LedgerConfig): Opened {
  let found = opened.get(config);
  if (!found) {
    found = readModelsInPostgres(config)
      ? { sql: PostgresSql.open(config.postgresUrl!, config.pg), namespace: `${config.postgresSchema}.` }
      : { sql: new SqliteSql(config.readModelsFile), namespace: '' };
    opened.set(config, found);
  }
  return found;
}

/**
 * API keys are records, not projections: a rebuild must never drop them. In PostgreSQL they sit
 * beside the read models; otherwise in the SQLite file named by LEDGER_SQLITE_FILE, where every
 * earlier version kept them, with a connection of their own.
 */
export function openKeySql(config: LedgerConfig): Opened {
  if (readModelsInPostgres(config)) return openReadModelSql(config);
  let found = keys.get(config);
  if (!found) keys.set(config, (found = { sql: new SqliteSql(config.sqliteFile), namespace: '' }));
  return found;
}

const inboxes = new WeakMap<LedgerConfig, Opened>();

/**
 * The inbox processor's records: beside the read models in PostgreSQL; in SQLite, a file of their
 * own, so that its bookkeeping never waits for, nor holds, the lock of the events' file, which the
 * thread acknowledging webhooks commits to.
 */
export function openInboxSql(config: LedgerConfig): Opened {
  if (readModelsInPostgres(config)) return openReadModelSql(config);
  let found = inboxes.get(config);
  if (!found) inboxes.set(config, (found = { sql: new SqliteSql(config.inboxFile), namespace: '' }));
  return found;
}
