import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { InvoiceEvent } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import { threadStream } from '../../projections/events.js';
import { seedStore, shippedCard } from '../../bench/seed.js';
import { loadConfig } from '../../src/config/ledger.config.js';
import type { AppendWrite } from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.adapter.js';
import { prepareVersion } from '../../src/read-models/ledger-processor.js';
import { PROJECTION_VERSION } from '../../src/read-models/read-model.schema.js';
import { PostgresSql } from '../../src/read-models/sql.js';
import { countEvents } from '../support/app.js';
import { CLI, runCli } from '../support/cli.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { assertEqualsRebuild, untilCaughtUpAndRated } from '../support/rebuild-compare.js';

const WABAS = ['waba-0', 'waba-1', 'waba-2', 'waba-3', 'waba-4', 'waba-5'];

if (!pgSkip()) {
  describe('two runner processes and CLI jobs on one PostgreSQL schema, under load', () => {
    const schema = freshSchema('busy');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, LEDGER_PROJECTION_LEASE_MS: '3000', LEDGER_PROJECTION_BATCH: '200', LEDGER_PROJECTION_COMMIT: '600' };
    const config = loadConfig(env);
    let store: PostgresEventStore;
    let sql: PostgresSql;
    const runners: ChildProcess[] = [];

    before(async () => {
      store = new PostgresEventStore({ connectionString: pgUrl!, schema });
      await store.init();
      await seedStore(store, { events: 6_000, accounts: WABAS.length, days: 20 });
      sql = PostgresSql.open(pgUrl!);
    });

    const dir = mkdtempSync(join(tmpdir(), 'ledger-busy-'));

    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      for (const runner of runners) runner.kill('SIGKILL');
      await sql.close();
      await store.close();
      await dropSchema(schema);
    });

    it('leave read models equal to a one-process rebuild, and every invoice as its stream tells it', async () => {
      for (let i = 0; i < 2; i++) {
        runners.push(spawn(process.execPath, [CLI, 'project', '--follow', '--workers', '1'], { env: { ...process.env, ...env, LEDGER_LOG_LEVEL: 'warn' }, stdio: 'ignore' }));
      }
      // Late marketing deliveries in the month being invoiced: its drafts move while jobs issue and revise.
      let loading = true;
      let sent = 0;
      const load = (async () => {
        while (loading) {
          const writes: AppendWrite[] = Array.from({ length: 20 }, () => {
            const n = sent++;
            const wabaId = WABAS[n % WABAS.length]!;
            const key = { wabaId, phoneNumberId: `${wabaId}-p0`, customer: `5511${String(n).padStart(9, '0')}`, messageId: `wamid.load.${n}` };
            const at = Date.parse('2025-10-22T12:00:00Z') + n * 60_000;
            const metadata = { recordedAt: new Date(at).toISOString(), actor: 'test', source: 'import', schemaVersion: 1 };
            return {
              stream: threadStream(key.wabaId, key.phoneNumberId, key.customer),
              expected: 'any',
              events: [
                { id: `MessageSent:load-${n}`, type: 'MessageSent', data: { ...key, timestamp: new Date(at).toISOString(), kind: 'template', template: { name: 'promo_v2', language: 'en', category: 'marketing' } }, metadata },
                { id: `MessageDelivered:load-${n}`, type: 'MessageDelivered', data: { ...key, timestamp: new Date(at + 2_000).toISOString() }, metadata },
              ],
            };
          });
          await store.appendMany(writes);
          await sleep(50);
        }
      })();

      const issued = await runCli(['invoices', 'issue', ...WABAS.flatMap((w) => ['--waba', w]), '--period', '2025-10', '--force', '--json'], env);
      assert.equal(issued.code, 0, issued.stderr);
      // Corrections of October's marketing prices, each followed by the job that revises what they move.
      for (const [round, price] of [[2, '0.0700'], [3, '0.0800']] as const) {
        await sleep(500);
        const card = shippedCard('meta-usd-2025-10.csv');
        const file = join(dir, `card-${round}.json`);
        writeFileSync(file, JSON.stringify({ ...card, version: `2025-10-01.${round}`, rates: card.rates.map((r) => (r.category === 'marketing' ? { ...r, price } : r)) }));
        const imported = await runCli(['rate-cards', 'import', file, '--json'], env);
        assert.equal(imported.code, 0, imported.stderr);
        const revised = await runCli(['invoices', 'regenerate', '--period', '2025-10', '--json', '--report', join(dir, `regenerate-${round}`)], env);
        assert.equal(revised.code, 0, revised.stderr);
      }
      loading = false;
      await load;

      const total = await countEvents(store);
      await untilCaughtUpAndRated(sql, `${schema}.`, config, total);
      const { tables } = await prepareVersion(sql, `${schema}.`, PROJECTION_VERSION, config);
      for (const runner of runners) {
        // A runner that died (at start, say) has closed already: waiting for its close would never end.
        assert.deepEqual([runner.exitCode, runner.signalCode], [null, null], 'every runner must live through the load');
        runner.kill('SIGTERM');
        await once(runner, 'close');
      }

      const invoices = await sql.all<{ invoice_id: string; status: string; revision: number | string; total: string; hash: string }>(`SELECT invoice_id, status, revision, total, hash FROM ${tables.invoices} ORDER BY invoice_id`);
      assert.equal(invoices.length, WABAS.length);
      const told = [];
      for (const row of invoices) {
        const events: InvoiceEvent[] = [];
        for await (const event of store.readStream(`invoice-${row.invoice_id}`)) events.push({ type: event.type, data: event.data } as InvoiceEvent);
        const invoice = invoiceOf(events)!;
        told.push({ id: invoice.invoiceId, status: invoice.status, revision: invoice.revision, total: invoice.total, hash: invoice.hash });
      }
      assert.deepEqual(invoices.map((r) => ({ id: r.invoice_id, status: r.status, revision: Number(r.revision), total: r.total, hash: r.hash })), told);
      assert.ok(told.some((t) => t.revision >= 2), `the load must revise some invoice twice: ${JSON.stringify(told.map((t) => t.revision))}`);

      const units = await assertEqualsRebuild(store, sql, `${schema}.`, config);
      assert.ok(units > 1_000, `the seeded traffic and the load must give units to compare, got ${units}`);
    });
  });
}
