import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_PG } from '../event-store/postgres/pg-pool.js';
import type { PgTuning } from '../event-store/postgres/pg-pool.js';

export type StoreKind = 'sqlite' | 'postgres' | 'esdb';

/** Where the projection runner runs: a worker thread of its own (the default), the server's event loop, or nowhere (API-only replicas). */
export type ProjectionMode = 'thread' | 'inline' | 'off';

export interface LedgerConfig {
  readonly store: StoreKind;
  readonly sqliteFile: string;
  /**
   * SQLite read models have a file of their own: a runner in another thread holds its write
   * lock for a whole batch, which would stall the event store's appends if they shared one.
   */
  readonly readModelsFile: string;
  /** The webhook inbox processor's own records (SQLite): derived from the inbox and the log, written by the inbox's thread alone. */
  readonly inboxFile: string;
  readonly postgresUrl: string | undefined;
  readonly postgresSchema: string;
  /** Pool sizes, timeouts and the wait at start of every PostgreSQL connection the process opens. */
  readonly pg: PgTuning;
  readonly esdbUrl: string | undefined;
  readonly host: string;
  readonly port: number;
  /** Events per read of the log by the projection runner: one page is folded at a time. */
  readonly projectionBatch: number;
  /** While catching up, events per read-model transaction (several pages). */
  readonly projectionCommit: number;
  /** ...or until it has folded this long: reads waiting for a position (`minPosition`) wait about this long at most for a commit. */
  readonly projectionCommitMs: number;
  /** Portfolio-months whose rater the runner keeps, so later units extend it instead of re-rating the month. */
  readonly projectionHeldMonths: number;
  /**
   * The runner thread's nice value (0 to 19): when both cores are busy, the event loop that
   * acknowledges appends goes first, and the read models catch up when the load eases.
   */
  readonly projectionNice: number;
  /** Worker threads sharing the read models' partitions in this process (the server's runner, `ledger project`, `ledger rebuild`). */
  readonly projectionWorkers: number;
  /**
   * How long a worker's lease on a partition lasts without renewal: a worker that dies loses its
   * partitions to the others after this long (at once to a process of the same host).
   */
  readonly projectionLeaseMs: number;
  readonly projections: ProjectionMode;
  /** Where the server follows the webhook inbox: a thread of its own, or its event loop. */
  readonly inbox: 'thread' | 'inline';
  /** An admin key from the environment, to create the first real keys with. Never stored. */
  readonly adminKey: string | undefined;
  /** Meta's app secret, which signs every webhook (X-Hub-Signature-256). */
  readonly metaAppSecret: string | undefined;
  /** The token Meta echoes in the webhook verification handshake. */
  readonly metaVerifyToken: string | undefined;
}

const PG_FIGURES: readonly (readonly [keyof PgTuning, string, number, number])[] = [
  ['pool', 'LEDGER_PG_POOL', 1, 1_000],
  ['readPool', 'LEDGER_PG_READ_POOL', 1, 1_000],
  ['connectTimeoutMs', 'LEDGER_PG_CONNECT_TIMEOUT_MS', 100, 600_000],
  ['statementTimeoutMs', 'LEDGER_PG_STATEMENT_TIMEOUT_MS', 100, 86_400_000],
  ['idleInTransactionMs', 'LEDGER_PG_IDLE_TX_TIMEOUT_MS', 100, 86_400_000],
  ['startWaitMs', 'LEDGER_PG_START_WAIT_MS', 0, 3_600_000],
];

function pgTuning(env: NodeJS.ProcessEnv): PgTuning {
  const tuning: Record<string, number | string> = { ...DEFAULT_PG, applicationName: env.LEDGER_PG_APPLICATION_NAME || DEFAULT_PG.applicationName };
  for (const [key, name, min, max] of PG_FIGURES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
    tuning[key] = value;
  }
  return tuning as unknown as PgTuning;
}

const PROJECTION_MODES: Readonly<Record<string, ProjectionMode>> = { thread: 'thread', on: 'thread', inline: 'inline', off: 'off' };

/** Reads the environment once, at start, and fails fast on anything it cannot use. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const store = (env.LEDGER_STORE ?? 'sqlite') as StoreKind;
  if (!['sqlite', 'postgres', 'esdb'].includes(store)) {
    throw new Error(`LEDGER_STORE must be sqlite, postgres or esdb, got ${store}`);
  }
  const projections = PROJECTION_MODES[env.LEDGER_PROJECTIONS ?? 'thread'];
  if (!projections) throw new Error(`LEDGER_PROJECTIONS must be thread (or on), inline or off, got ${env.LEDGER_PROJECTIONS}`);
  const inbox = env.LEDGER_INBOX ?? 'thread';
  if (inbox !== 'thread' && inbox !== 'inline') throw new Error(`LEDGER_INBOX must be thread or inline, got ${env.LEDGER_INBOX}`);
  const sqliteFile = resolve(env.LEDGER_SQLITE_FILE ?? './data/ledger.db');
  const port = Number(env.PORT ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const config: LedgerConfig = {
    store,
    sqliteFile,
    readModelsFile: resolve(env.LEDGER_SQLITE_READ_MODELS ?? `${sqliteFile.replace(/\.(db|sqlite3?)$/, '')}.read-models.db`),
    inboxFile: resolve(env.LEDGER_SQLITE_INBOX ?? `${sqliteFile.replace(/\.(db|sqlite3?)$/, '')}.inbox.db`),
    postgresUrl: env.LEDGER_PG_URL,
    postgresSchema: env.LEDGER_PG_SCHEMA ?? 'ledger',
    pg: pgTuning(env),
    esdbUrl: env.ESDB_URL,
    host: env.HOST ?? '127.0.0.1',
    port,
    projections,
    inbox,
    projectionBatch: Number(env.LEDGER_PROJECTION_BATCH ?? '2000'),
    projectionCommit: Number(env.LEDGER_PROJECTION_COMMIT ?? '100000'),
    projectionCommitMs: Number(env.LEDGER_PROJECTION_COMMIT_MS ?? '1000'),
    projectionHeldMonths: Number(env.LEDGER_PROJECTION_HELD_MONTHS ?? '2000'),
    projectionNice: Number(env.LEDGER_PROJECTION_NICE ?? '10'),
    projectionWorkers: Number(env.LEDGER_PROJECTION_WORKERS ?? String(availableParallelism())),
    projectionLeaseMs: Number(env.LEDGER_PROJECTION_LEASE_MS ?? '30000'),
    adminKey: env.LEDGER_ADMIN_KEY || undefined,
    metaAppSecret: env.LEDGER_META_APP_SECRET || undefined,
    metaVerifyToken: env.LEDGER_META_VERIFY_TOKEN || undefined,
  };
  if (!Number.isInteger(config.projectionBatch) || config.projectionBatch < 1 || config.projectionBatch > 100_000) {
    throw new Error(`LEDGER_PROJECTION_BATCH must be a whole number from 1 to 100000, got ${env.LEDGER_PROJECTION_BATCH}`);
  }
  if (!Number.isInteger(config.projectionCommit) || config.projectionCommit < 1 || config.projectionCommit > 10_000_000) {
    throw new Error(`LEDGER_PROJECTION_COMMIT must be a whole number from 1 to 10000000, got ${env.LEDGER_PROJECTION_COMMIT}`);
  }
  if (!Number.isInteger(config.projectionCommitMs) || config.projectionCommitMs < 10 || config.projectionCommitMs > 600_000) {
    throw new Error(`LEDGER_PROJECTION_COMMIT_MS must be a whole number of milliseconds from 10 to 600000, got ${env.LEDGER_PROJECTION_COMMIT_MS}`);
  }
  if (!Number.isInteger(config.projectionHeldMonths) || config.projectionHeldMonths < 0 || config.projectionHeldMonths > 1_000_000) {
    throw new Error(`LEDGER_PROJECTION_HELD_MONTHS must be a whole number from 0 to 1000000, got ${env.LEDGER_PROJECTION_HELD_MONTHS}`);
  }
  if (!Number.isInteger(config.projectionNice) || config.projectionNice < 0 || config.projectionNice > 19) {
    throw new Error(`LEDGER_PROJECTION_NICE must be a whole number from 0 to 19, got ${env.LEDGER_PROJECTION_NICE}`);
  }
  if (!Number.isInteger(config.projectionWorkers) || config.projectionWorkers < 1 || config.projectionWorkers > 64) {
    throw new Error(`LEDGER_PROJECTION_WORKERS must be a whole number from 1 to 64, got ${env.LEDGER_PROJECTION_WORKERS}`);
  }
  if (!Number.isInteger(config.projectionLeaseMs) || config.projectionLeaseMs < 1_000 || config.projectionLeaseMs > 600_000) {
    throw new Error(`LEDGER_PROJECTION_LEASE_MS must be a whole number of milliseconds from 1000 to 600000, got ${env.LEDGER_PROJECTION_LEASE_MS}`);
  }
  if (store === 'postgres' && !config.postgresUrl) throw new Error('LEDGER_STORE=postgres needs LEDGER_PG_URL');
  if (store === 'esdb' && !config.esdbUrl) throw new Error('LEDGER_STORE=esdb needs ESDB_URL');
  return config;
}
