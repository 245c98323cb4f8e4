import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { eventChainContract } from './event-chain.contract.js';

eventChainContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-chain-'));
  const file = join(dir, 'ledger.db');
  const store = new SqliteEventStore({ file });
  return {
    store,
    headsKept: false,
    tamper: async (sql, params) => {
      const db = new Database(file);
      try {
        return db.prepare(sql).run(...params).changes;
      } finally {
        db.close();
      }
    },
    teardown: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
