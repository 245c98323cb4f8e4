import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-store-'));
  const file = join(dir, 'events.db');
  return {
    globalIds: true,
    name: 'sqlite',
    open: async () => new SqliteEventStore({ file }),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
