import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/ledger.config.js';
import { PostgresSql } from '../../src/read-models/sql.js';
import type { Running } from '../support/app.js';
import { Client, meta, startApp } from '../support/app.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';

const CUSTOMERS = 200;
const ROUNDS = 5;
const PAIRS = 100;

if (!pgSkip()) {
  describe('concurrent writes to the same new streams in opposite orders, on PostgreSQL', () => {
    const schema = freshSchema('contend');
    const config = loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0', LEDGER_PROJECTIONS: 'off' });
    const apps: Running[] = [];
    let sql: PostgresSql;

    before(async () => {
      // Two servers on one schema: their appends meet in PostgreSQL's locks, not only in one process's queue.
      apps.push(await startApp(config), await startApp(config));
      sql = PostgresSql.open(pgUrl!);
      const admin = new Client(apps[0]!.url, 'test-admin-key');
      assert.equal((await admin.post('/accounts', { wabaId: 'w-dl', portfolioId: 'pf-dl', timezone: 'UTC', currency: 'USD' })).status, 201);
      assert.equal((await admin.post('/phone-numbers', { wabaId: 'w-dl', phoneNumberId: 'p-dl' })).status, 201);
    });

    after(async () => {
      for (const app of apps) await app.close();
      await sql.close();
      await dropSchema(schema);
    });

    it('answers no 5xx and appends every command once, however the requests interleave', async () => {
      const customer = (i: number) => `4477${String(i).padStart(8, '0')}`;
      const received = (round: number, order: number[], tag: string) => ({
        commands: order.map((i) => ({ type: 'MessageReceived', wabaId: 'w-dl', phoneNumberId: 'p-dl', customer: customer(i), messageId: `wamid.${tag}${round}.${i}`, timestamp: `2025-10-0${1 + round}T10:00:00Z`, kind: 'text' })),
      });
      const ascending = Array.from({ length: CUSTOMERS }, (_, i) => i);
      const descending = [...ascending].reverse();
      const requests: (() => Promise<{ status: number; body: unknown }>)[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const [order, tag] of [[ascending, 'a'], [descending, 'd']] as const) {
          const app = apps[requests.length % 2]!;
          requests.push(() => new Client(app.url, 'test-admin-key').post('/commands/batch', received(round, order, tag)));
          // The same batch again, as a client's retry: duplicates, not errors.
          requests.push(() => new Client(apps[(requests.length + 1) % 2]!.url, 'test-admin-key').post('/commands/batch', received(round, order, tag)));
        }
      }
      for (let p = 0; p < PAIRS; p++) {
        const [x, y] = [customer(p), customer(CUSTOMERS - 1 - p)];
        const status = (to: string) => meta.status(to, `wamid.st.${p}.${to}`, 'delivered', '2025-10-09T10:00:00Z');
        for (const statuses of [[status(x), status(y)], [status(y), status(x)]]) {
          const app = apps[requests.length % 2]!;
          requests.push(() => new Client(app.url).webhook(meta.payload('w-dl', 'p-dl', { statuses })));
        }
      }
      const replies = await Promise.all(requests.map((send) => send()));
      const failed = replies.filter((r) => r.status >= 300).map((r) => `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      assert.deepEqual(failed, []);
      // Webhooks are taken into the inbox at once and recorded by its processor: wait for each.
      const reader = new Client(apps[0]!.url, 'test-admin-key');
      for (const reply of replies) {
        const payload = (reply.body as { payload?: string }).payload;
        if (payload) await reader.processed(payload);
      }

      const counts = await sql.all<{ type: string; n: string; distinct_ids: string }>(
        `SELECT type, COUNT(*) AS n, COUNT(DISTINCT data->>'messageId') AS distinct_ids FROM ${schema}.events WHERE type IN ('MessageReceived', 'MessageDelivered') GROUP BY type ORDER BY type`,
      );
      assert.deepEqual(
        counts.map((c) => [c.type, Number(c.n), Number(c.distinct_ids)]),
        [
          ['MessageDelivered', PAIRS * 2, PAIRS * 2],
          ['MessageReceived', ROUNDS * 2 * CUSTOMERS, ROUNDS * 2 * CUSTOMERS],
        ],
      );
      const [streams] = await sql.all<{ n: string; gaps: string }>(
        `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE revision + 1 <> events) AS gaps
         FROM (SELECT stream, MAX(revision) AS revision, COUNT(*) AS events FROM ${schema}.events WHERE stream LIKE 'thread-%' GROUP BY stream) s`,
      );
      assert.deepEqual({ threads: Number(streams!.n), gaps: Number(streams!.gaps) }, { threads: CUSTOMERS, gaps: 0 });
    });
  });
}
