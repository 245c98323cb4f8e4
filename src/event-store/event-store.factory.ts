import type { LedgerConfig } from '../config/ledger.config.js';
import { EsdbEventStore } from './esdb/esdb-event-store.adapter.js';
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
    case 'esdb':
      return new EsdbEventStore(config.esdbUrl!);
  }
}
