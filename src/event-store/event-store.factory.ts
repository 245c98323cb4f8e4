import type { Logger } from 'pino';
import type { LedgerConfig } from '../config/ledger.config.js';
import type { EventStore } from './event-store.port.js';
import { poolErrors, waitForPostgres } from './postgres/pg-pool.js';
import { PostgresEventStore } from './postgres/postgres-event-store.adapter.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.adapter.js';

export async function openEventStore(config: LedgerConfig): Promise<EventStore> {
  switch (config.store) {
    case 'sqlite':
      return new SqliteEventStore({ file: config.sqliteFile });
    case 'postgres': {
      const store = new PostgresEventStore({ connectionString: config.postgresUrl!, schema: config.postgresSchema, tuning: config.pg });
      await store.init();
      return store;
    }
    case 'esdb': {
      // Its gRPC client takes a fifth of a second to load: a process (or projection thread) on another store never pays for it.
      const { EsdbEventStore } = await import('./esdb/esdb-event-store.adapter.js');
      return new EsdbEventStore(config.esdbUrl!);
    }
  }
}

let heard = false;

/**
 * Before a process opens its stores: waits for PostgreSQL when it is down at start (bounded by
 * LEDGER_PG_START_WAIT_MS, each attempt logged), and logs connections the pools lose later.
 */
export async function reachStores(config: LedgerConfig, logger: Logger): Promise<void> {
  if (!config.postgresUrl || config.store === 'sqlite') return;
  if (!heard) {
    heard = true;
    poolErrors.on('lost', (error) => logger.warn({ err: error }, 'a PostgreSQL connection was lost; the pool opens another when one is needed'));
  }
  await waitForPostgres(config.postgresUrl, config.pg, (error, waitedMs) =>
    logger.warn({ err: error, waitedMs, giveUpAfterMs: config.pg.startWaitMs }, 'PostgreSQL is unreachable; waiting for it'),
  );
}
