import type { LedgerConfig } from '../config/ledger.config.js';
import type { EventStore } from './event-store.port.js';
import { PostgresEventStore } from './postgres/postgres-event-store.adapter.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.adapter.js';

export async function openEventStore(config: LedgerConfig): Promise<EventStore> {
  switch (config.store) {
    case 'sqlite':
      return new SqliteEventStore({ file: config.sqliteFile });
    case 'postgres': {
      const store = new PostgresEventStore({ connectionString: config.postgresUrl!, schema: config.postgresSchema });
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
