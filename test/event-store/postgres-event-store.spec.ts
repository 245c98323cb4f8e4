import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.adapter.js';
import type { StoredEvent } from '../../src/event-store/event-store.port.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { eventStoreContract } from './event-store.contract.js';

const skip = pgSkip();

if (!skip) {
  eventStoreContract('postgres', async () => {
    const schema = freshSchema('contract');
    return {
      globalIds: true,
      name: 'postgres',
      open: async () => {
        const store = new PostgresEventStore({ connectionString: pgUrl!, schema });
        await store.init();
        return store;
      },
      teardown: () => dropSchema(schema),
    };
  });
}

describe('postgres catch-up visibility', { skip }, () => {
  const schema = freshSchema('late');
  let store: PostgresEventStore;
  let slow: pg.Client;

  before(async () => {
    store = new PostgresEventStore({ connectionString: pgUrl!, schema });
    await store.init();
    slow = new pg.Client({ connectionString: pgUrl });
    await slow.connect();
  });
  after(async () => {
    await slow.end();
    await store.close();
    await dropSchema(schema);
  });

  it('never skips an event whose transaction took an earlier number and committed after a later one', async () => {
    await store.append('late-0', [{ id: 'e0', type: 'T', data: {} }], { expected: 'no_stream' });
    // The slow writer takes its sequence number first and holds its transaction open...
    await slow.query('BEGIN');
    await slow.query(
      `INSERT INTO ${schema}.events (stream, revision, id, type, data, metadata) VALUES ('late-slow', 0, 'slow', 'T', '{}', '{}')`,
    );
    // ...while a fast writer takes a later number and commits.
    await store.append('late-fast', [{ id: 'fast', type: 'T', data: {} }], { expected: 'no_stream' });

    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    const reader = (async () => {
      for await (const batch of store.subscribe({ idleMs: 10, signal: controller.signal })) {
        seen.push(...batch);
        if (seen.length >= 3) controller.abort();
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(seen.map((e) => e.id), ['e0'], 'the fast event must wait while an earlier transaction is open');
    await slow.query('COMMIT');
    await reader;

    assert.deepEqual(seen.map((e) => e.id), ['e0', 'slow', 'fast']);
    const { rows } = await store.pool.query<{ id: string; global_position: string }>(
      `SELECT id, global_position FROM ${schema}.events ORDER BY global_position`,
    );
    assert.deepEqual(rows.map((r) => r.id), ['e0', 'slow', 'fast'], 'the slow event holds the earlier sequence number');
  });

  it('counts as unread, for lag, an event a reader cannot take yet behind a transaction still open elsewhere', async () => {
    const head = await store.lastPosition();
    await slow.query('BEGIN');
    await slow.query('SELECT pg_current_xact_id()');
    const held = await store.append('late-held', [{ id: 'held', type: 'T', data: {} }], { expected: 'no_stream' });
    try {
      assert.deepEqual(await store.readAllPage(head, 10), [], 'a reader must not take it while the older transaction runs');
      const unread = await store.unread(head);
      assert.deepEqual({ events: unread.events, oldest: unread.oldest?.id }, { events: 1, oldest: 'held' });
    } finally {
      await slow.query('COMMIT');
    }
    assert.deepEqual((await store.readAllPage(head, 10)).map((e) => e.id), ['held']);
    assert.deepEqual((await store.unread(held.position)).events, 0);
  });
});
