import { describe } from 'node:test';
import { EsdbEventStore } from '../../src/event-store/esdb/esdb-event-store.adapter.js';
import { eventStoreContract } from './event-store.contract.js';

const url = process.env.ESDB_URL;

if (url) {
  eventStoreContract('esdb', async () => ({
    globalIds: false,
    name: 'esdb',
    open: async () => new EsdbEventStore(url),
    teardown: async () => undefined,
  }));
} else {
  describe('event store contract: esdb', { skip: 'set ESDB_URL (for example esdb://localhost:2113?tls=false) to run it' }, () => undefined);
}
