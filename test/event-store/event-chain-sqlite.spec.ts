import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { chainOf, UNCHAINED, verifyChains } from '../../src/event-store/event-chain.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
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

describe('a SQLite log recorded before chains', () => {
  it('gains the column on open, keeps its events unlinked, and links the next append to them as `unchained`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-chain-legacy-'));
    const file = join(dir, 'ledger.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL);
      CREATE UNIQUE INDEX events_id ON events (id); CREATE UNIQUE INDEX events_stream_revision ON events (stream, revision);
      INSERT INTO events (stream, revision, id, type, data, metadata) VALUES ('legacy', 0, 'legacy:0', 'MessageSent', '{"messageId":"m0"}', '{"actor":"old"}');`);
    old.close();
    const store = new SqliteEventStore({ file });
    try {
      await store.append('legacy', [{ id: 'legacy:1', type: 'MessageDelivered', data: { messageId: 'm0' }, metadata: { actor: 'new' } }], { expected: 0 });
      const events = [];
      for await (const event of store.readStream('legacy')) events.push(event);
      assert.deepEqual(events.map((e) => e.chain === undefined), [true, false]);
      assert.equal(events[1]!.chain, chainOf(UNCHAINED, 'legacy', 1, { id: 'legacy:1', type: 'MessageDelivered', data: (events[1] as RecordedEvent).rawData, metadata: (events[1] as RecordedEvent).rawMetadata }));
      const report = await verifyChains(store);
      assert.deepEqual([report.unchained, report.breaks.length], [1, 0]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
