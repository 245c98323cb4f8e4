import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { verifyChains } from '../../src/event-store/event-chain.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.adapter.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { eventChainContract } from './event-chain.contract.js';

if (!pgSkip()) {
  eventChainContract('postgres', async () => {
    const schema = freshSchema('chain');
    const store = new PostgresEventStore({ connectionString: pgUrl!, schema });
    await store.init();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    return {
      store,
    headsKept: true,
      tamper: async (sql, params) => {
        let n = 0;
        const text = sql.replace(/\bevents\b/, `${schema}.events`).replace(/\?/g, () => `$${++n}`);
        return (await client.query(text, params as unknown[])).rowCount ?? 0;
      },
      teardown: async () => {
        await client.end();
        await store.close();
        await dropSchema(schema);
      },
    };
  });
}

describe('a PostgreSQL schema recorded before chains', { skip: pgSkip() }, () => {
  it('gains the columns on open, keeps its events unlinked, and links the next append to them as `unchained`', async () => {
    const schema = freshSchema('chainlegacy');
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.streams (stream text PRIMARY KEY, revision bigint NOT NULL);
      CREATE TABLE ${schema}.events (global_position bigserial NOT NULL, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(), stream text NOT NULL, revision bigint NOT NULL,
        id text NOT NULL, type text NOT NULL, data json NOT NULL, metadata json NOT NULL, PRIMARY KEY (transaction_id, global_position),
        CONSTRAINT events_id_unique UNIQUE (id), CONSTRAINT events_stream_revision_unique UNIQUE (stream, revision));
      INSERT INTO ${schema}.streams VALUES ('legacy', 0);
      INSERT INTO ${schema}.events (stream, revision, id, type, data, metadata) VALUES ('legacy', 0, 'legacy:0', 'MessageSent', '{"messageId":"m0"}', '{"actor":"old"}');`);
    const store = new PostgresEventStore({ connectionString: pgUrl!, schema });
    try {
      await store.init();
      await store.append('legacy', [{ id: 'legacy:1', type: 'MessageDelivered', data: { messageId: 'm0' }, metadata: { actor: 'new' } }], { expected: 0 });
      const events = [];
      for await (const event of store.readStream('legacy')) events.push(event);
      assert.deepEqual(events.map((e) => e.chain === undefined), [true, false]);
      const report = await verifyChains(store);
      assert.deepEqual([report.unchained, report.breaks.length], [1, 0]);
      const { rows } = await client.query<{ head: string }>(`SELECT head FROM ${schema}.streams WHERE stream = 'legacy'`);
      assert.equal(rows[0]!.head, events[1]!.chain);
    } finally {
      await client.end();
      await store.close();
      await dropSchema(schema);
    }
  });
});
