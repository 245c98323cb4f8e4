import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** How the ledger's connections to PostgreSQL behave; every figure is configurable (LEDGER_PG_*). */
export interface PgTuning {
  /** Connections of a process's event store. */
  readonly pool: number;
  /** Connections of a process's read models, and of each projection thread's. */
  readonly readPool: number;
  /** Opening a connection, or waiting for one of the pool's. */
  readonly connectTimeoutMs: number;
  /** The server cancels a statement after this long; the client gives up on an unanswered one a little later. */
  readonly statementTimeoutMs: number;
  /** The server ends a session whose transaction stays idle this long (a client stalled mid-transaction holds locks). */
  readonly idleInTransactionMs: number;
  /** How long a process starting while PostgreSQL is unreachable waits for it. */
  readonly startWaitMs: number;
  /** Shown in pg_stat_activity, so an operator can tell the ledger's sessions apart. */
  readonly applicationName: string;
}

export const DEFAULT_PG: PgTuning = {
  pool: 10,
  readPool: 4,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 60_000,
  idleInTransactionMs: 60_000,
  startWaitMs: 60_000,
  applicationName: 'ledger',
};

/** Connections lost while idle in a pool: the pool drops them and opens new ones when asked; the app logs them. */
export const poolErrors = new EventEmitter<{ lost: [Error] }>();

export function openPool(connectionString: string, tuning: PgTuning, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: tuning.connectTimeoutMs,
    // The server's timeout cancels a slow statement; the client's catches a network that stopped answering.
    statement_timeout: tuning.statementTimeoutMs,
    query_timeout: tuning.statementTimeoutMs + tuning.connectTimeoutMs,
    idle_in_transaction_session_timeout: tuning.idleInTransactionMs,
    application_name: tuning.applicationName,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // Without a listener, a connection that dies while idle (a restart, pg_terminate_backend) ends the process.
  pool.on('error', (error) => poolErrors.emit('lost', error));
  return pool;
}

/**
 * A process that starts while PostgreSQL is down (a host's boot, a restarted cluster) waits for
 * it, within `startWaitMs`, instead of exiting at once; each failed attempt is reported.
 */
export async function waitForPostgres(connectionString: string, tuning: PgTuning, onRetry: (error: Error, waitedMs: number) => void): Promise<void> {
  const start = Date.now();
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: tuning.connectTimeoutMs, application_name: tuning.applicationName });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      const waited = Date.now() - start;
      if (waited + delay > tuning.startWaitMs) throw error;
      onRetry(error as Error, waited);
      await sleep(delay);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
