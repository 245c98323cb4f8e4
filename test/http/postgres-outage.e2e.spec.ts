import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { shippedCard } from '../../bench/seed.js';
import { loadConfig } from '../../src/config/ledger.config.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.adapter.js';
import { PostgresSql } from '../../src/read-models/sql.js';
import { ADMIN_KEY, APP_SECRET, Client, countEvents, meta, sign } from '../support/app.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { assertEqualsRebuild, untilCaughtUpAndRated } from '../support/rebuild-compare.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const RETRYABLE = new Set(['STORE_UNAVAILABLE', 'STORE_BUSY']);

interface Tally {
  acknowledged: number;
  readonly refusals: Map<string, number>;
  /** Anything but a 2xx or a retryable 503 with Retry-After: each one fails the test. */
  readonly bad: string[];
}

/** Sends one request until the ledger acknowledges it, as a client that honours Retry-After does. */
async function untilAcknowledged(send: () => Promise<Response>, tally: Tally): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      tally.bad.push(`no answer: ${String(error)}`);
      return;
    }
    const text = await response.text();
    if (response.ok) {
      tally.acknowledged += 1;
      return;
    }
    const code = (JSON.parse(text) as { code?: string }).code ?? '';
    if (response.status !== 503 || !RETRYABLE.has(code) || !response.headers.get('retry-after')) {
      tally.bad.push(`${response.status} ${text.slice(0, 200)}`);
      return;
    }
    tally.refusals.set(code, (tally.refusals.get(code) ?? 0) + 1);
    await sleep(100);
  }
  tally.bad.push('still refused after 600 attempts');
}

if (!pgSkip()) {
  describe('a server on PostgreSQL through connections lost, an outage and a stalled network, mid-load', () => {
    const schema = freshSchema('outage');
    const application = `ledger-${schema}`;
    const proxy = new TcpProxy(new URL(pgUrl!).hostname, Number(new URL(pgUrl!).port || 5432));
    let server: ChildProcess;
    let client: Client | undefined;

    after(async () => {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await once(server, 'close');
      }
      await proxy.down();
      await dropSchema(schema);
    });

    it('waits at start while PostgreSQL is unreachable, saying so, and serves once it answers', async () => {
      // The proxy's port is taken, then closed: the server starts against a database that is down.
      await proxy.up();
      await proxy.down();
      server = spawn(process.execPath, [new URL('../../src/main.js', import.meta.url).pathname], {
        env: {
          ...process.env,
          LEDGER_STORE: 'postgres',
          LEDGER_PG_URL: proxy.url(pgUrl!),
          LEDGER_PG_SCHEMA: schema,
          LEDGER_PG_APPLICATION_NAME: application,
          LEDGER_PG_CONNECT_TIMEOUT_MS: '1000',
          LEDGER_PG_STATEMENT_TIMEOUT_MS: '5000',
          LEDGER_PROJECTION_WORKERS: '1',
          LEDGER_ADMIN_KEY: ADMIN_KEY,
          LEDGER_META_APP_SECRET: APP_SECRET,
          LEDGER_LOG_LEVEL: 'info',
          PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let log = '';
      server.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      for (let i = 0; i < 400 && !/PostgreSQL is unreachable; waiting for it/.test(log); i++) await sleep(50);
      assert.match(log, /PostgreSQL is unreachable; waiting for it/);
      await sleep(1_000);
      assert.equal(server.exitCode, null, `the server must wait, not exit: ${log.slice(-500)}`);
      assert.doesNotMatch(log, /ledger listening/);
      await proxy.up();
      for (let i = 0; i < 300 && !/"url":"([^"]+)"/.test(log); i++) await sleep(50);
      const url = /"url":"([^"]+)"/.exec(log)?.[1];
      assert.ok(url, `the server did not start: ${log.slice(-500)}`);
      client = new Client(url, ADMIN_KEY);
      for (const [path, body] of [
        ['/rate-cards', shippedCard('meta-usd-2025-10.csv')],
        ['/accounts', { wabaId: 'w-out', portfolioId: 'pf-out', timezone: 'America/Sao_Paulo', currency: 'USD' }],
        ['/phone-numbers', { wabaId: 'w-out', phoneNumberId: 'p-out-1' }],
        ['/phone-numbers', { wabaId: 'w-out', phoneNumberId: 'p-out-2' }],
      ] as const) {
        const reply = await client.post(path, body);
        assert.ok(reply.status < 300, `${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
    });

    it('lives, answers retryable 503s with Retry-After, records every acknowledged command once, and its read models equal a clean rebuild', async () => {
      assert.ok(client, 'the server must have started');
      const ledger: Client = client;
      const tally: Tally = { acknowledged: 0, refusals: new Map(), bad: [] };
      const sent = new Set<string>();
      const delivered = new Set<string>();
      let loading = true;
      // The first bad answer ends the load: a client that cannot reach the server at all must not spin.
      const going = () => loading && tally.bad.length === 0;
      const batcher = async (c: number) => {
        for (let n = 0; going(); n++) {
          const commands = Array.from({ length: 20 }, (_, i) => ({
            type: 'MessageReceived',
            wabaId: 'w-out',
            phoneNumberId: `p-out-${1 + (i % 2)}`,
            customer: `5521${String(c * 100_000 + ((n * 20 + i) % 3_000)).padStart(9, '0')}`,
            messageId: `wamid.c${c}.${n}.${i}`,
            timestamp: new Date(Date.parse('2025-10-06T12:00:00Z') + (n * 20 + i) * 1_000).toISOString(),
            kind: 'text',
          }));
          for (const command of commands) sent.add(command.messageId);
          const body = JSON.stringify({ commands });
          await untilAcknowledged(() => fetch(`${ledger.url}/commands/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body }), tally);
        }
      };
      // Delivered marketing templates, so the read models hold priced units to compare.
      const webhooks = async () => {
        for (let n = 0; going(); n++) {
          const customer = `55319${String(n % 500).padStart(8, '0')}`;
          const at = new Date(Date.parse('2025-10-07T12:00:00Z') + n * 1_000).toISOString();
          const pricing = { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' };
          delivered.add(`wamid.s${n}`);
          const body = JSON.stringify(meta.payload('w-out', 'p-out-1', { statuses: [meta.status(customer, `wamid.s${n}`, 'delivered', at, { pricing })] }));
          await untilAcknowledged(() => fetch(`${ledger.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) }, body }), tally);
        }
      };
      const load = Promise.all([batcher(1), batcher(2), batcher(3), webhooks()]);

      await sleep(1_500);
      const direct = new pg.Client({ connectionString: pgUrl });
      await direct.connect();
      const killed = await direct.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]);
      await direct.end();
      assert.ok(killed.rowCount! >= 2, `the server's connections must be terminated, found ${killed.rowCount}`);

      await sleep(1_500);
      await proxy.down();
      let health = await ledger.get('/health');
      for (let i = 0; i < 100 && health.status === 200; i++) {
        await sleep(50);
        health = await ledger.get('/health');
      }
      assert.equal(health.status, 503, `/health while PostgreSQL is away: ${JSON.stringify(health.body)}`);
      await sleep(3_000);
      await proxy.up();
      await sleep(2_000);

      // A network that stops answering: /health says so within its bound, requests in flight get their 503 after the statement's.
      proxy.stall();
      const stalledAt = Date.now();
      const stalled = await ledger.get('/health');
      assert.deepEqual([stalled.status, Date.now() - stalledAt < 3_000], [503, true], `/health while the network stalls: ${JSON.stringify(stalled.body)}`);
      await sleep(4_000);
      proxy.flow();
      await sleep(2_000);
      loading = false;
      await load;

      assert.equal(server.exitCode, null, 'the server process must live through it');
      assert.deepEqual(tally.bad.slice(0, 5), []);
      assert.ok((tally.refusals.get('STORE_UNAVAILABLE') ?? 0) > 0, `the outage must be felt: ${JSON.stringify([...tally.refusals])}`);
      // Webhooks were taken into the inbox; its processor records them after the load: wait until it has.
      for (let i = 0; i < 600; i++) {
        const inbox = (await ledger.get<{ inbox?: { lagPayloads: number } }>('/health')).body.inbox;
        if (inbox?.lagPayloads === 0) break;
        await sleep(50);
      }

      const store = new PostgresEventStore({ connectionString: pgUrl!, schema });
      const sql = PostgresSql.open(pgUrl!);
      try {
        const recorded = await sql.all<{ message_id: string; n: string }>(
          `SELECT data->>'messageId' AS message_id, COUNT(*) AS n FROM ${schema}.events WHERE type IN ('MessageReceived', 'MessageDelivered') GROUP BY 1`,
        );
        assert.equal(recorded.filter((r) => Number(r.n) !== 1).length, 0, 'no message is recorded twice');
        assert.deepEqual(new Set(recorded.map((r) => r.message_id)), new Set([...sent, ...delivered]));
        assert.ok(sent.size > 200, `the load must be real: ${sent.size} messages`);

        const total = await countEvents(store);
        const config = loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema });
        await untilCaughtUpAndRated(sql, `${schema}.`, config, total);
        server.kill('SIGTERM');
        await once(server, 'close');
        const units = await assertEqualsRebuild(store, sql, `${schema}.`, config);
        assert.ok(units >= 10, `the delivered statuses must give units to compare, got ${units}`);
      } finally {
        await sql.close();
        await store.close();
      }
    });
  });
}
