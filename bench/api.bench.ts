import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { ProjectionRunner } from '../src/read-models/projection.runner.js';
import { PROJECTION_VERSION, ProjectionRegistry, ReadModelTables } from '../src/read-models/read-model.schema.js';
import { SqliteSql } from '../src/read-models/sql.js';
import { sign } from '../test/support/app.js';
import { seedStore, shippedCard } from './seed.js';

/**
 * bench:api: the server in its own process on loopback (SQLite, runner on), load from autocannon
 * here. Webhook ingest (one signed status per request), batch ingest (1,000 commands per
 * request), and a full rebuild of the read models from a SQLite log. Figures on a shared VM move
 * by ±20 % between runs: each load runs BENCH_RUNS times on a fresh server and store, and the
 * median run is the figure.
 */
const ADMIN = 'bench-admin';
const SECRET = 'bench-secret';
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const rebuildEvents = Number(process.env.BENCH_REBUILD_EVENTS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-api-'));
const port = 39_000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;

async function startServer(file: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, [new URL('../src/main.js', import.meta.url).pathname], {
    env: { ...process.env, LEDGER_SQLITE_FILE: file, PORT: String(port), LEDGER_ADMIN_KEY: ADMIN, LEDGER_META_APP_SECRET: SECRET, LEDGER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok).catch(() => false)) return server;
    await sleep(50);
  }
  throw new Error('the server did not start');
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

function line(result: autocannon.Result, eventsPerRequest: number): string {
  const ok = result['2xx'];
  return (
    `${Math.round(ok / result.duration).toLocaleString('en-US')} requests/s` +
    `${eventsPerRequest > 1 ? ` (${Math.round((ok * eventsPerRequest) / result.duration).toLocaleString('en-US')} events/s)` : ''}` +
    `, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`
  );
}

/** Each run on a fresh server and store; the median run (the slower middle one for an even count) is the figure, every run is printed. */
async function measure(title: string, load: () => Promise<autocannon.Result>, eventsPerRequest = 1): Promise<void> {
  const results: autocannon.Result[] = [];
  for (let run = 1; run <= runs; run++) {
    const server = await startServer(join(dir, `${title.split(' ')[0]}-${run}.db`));
    try {
      await setUp();
      const result = await load();
      results.push(result);
      console.log(`  ${title}, run ${run}/${runs}: ${line(result, eventsPerRequest)}`);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.on('close', resolve));
    }
  }
  const median = [...results].sort((a, b) => a['2xx'] / a.duration - b['2xx'] / b.duration)[Math.floor((results.length - 1) / 2)]!;
  console.log(`${title}: median of ${runs}: ${line(median, eventsPerRequest)}`);
}

const phones = Array.from({ length: 10 }, (_, i) => `bench-p${i}`);

async function setUp(): Promise<void> {
  // A priced account, as in production: every status is rated into a draft line.
  await post('/rate-cards', shippedCard('meta-usd-2025-10.csv'));
  await post('/accounts', { wabaId: 'bench-waba', portfolioId: 'bench-pf', timezone: 'America/Sao_Paulo', currency: 'USD' });
  for (const phoneNumberId of phones) await post('/phone-numbers', { wabaId: 'bench-waba', phoneNumberId });
}

/** One signed status per request, to 64 connections. */
async function webhooks(): Promise<void> {
  // Signed bodies are made before the clock starts: the load generator shares the two cores, and
  // an HMAC per request in its event loop would measure the generator, not the server.
  const bodies = Array.from({ length: seconds * 8_000 }, (_, n) => {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'bench-waba', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phones[n % phones.length] }, statuses: [{ id: `wamid.w${n}`, status: 'delivered', timestamp: String(1759750000 + (n % 86_400)), recipient_id: `55119${String(n % 100_000).padStart(8, '0')}`, pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' } }] } }] }],
    });
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, SECRET) } };
  });
  await measure('webhook ingest (1 status per request, 64 connections)', () => {
    let n = 0;
    return autocannon({
      url: `${url}/webhooks/whatsapp`,
      connections: 64,
      duration: seconds,
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, ...bodies[n++ % bodies.length]! }) }],
    });
  });
}
await webhooks();

function batchOf(b: number): string {
  const commands = Array.from({ length: 1_000 }, (_, i) => ({
    type: 'MessageReceived',
    wabaId: 'bench-waba',
    phoneNumberId: phones[i % phones.length],
    customer: `55219${String((b * 1000 + i) % 10_000_000).padStart(8, '0')}`,
    messageId: `wamid.b${b}.${i}`,
    timestamp: new Date(Date.parse('2025-10-06T12:00:00Z') + i * 1000).toISOString(),
    kind: 'text',
  }));
  return JSON.stringify({ commands });
}
await measure(
  'batch ingest (1,000 commands per request, 4 connections)',
  () => {
    let b = 0;
    return autocannon({
      url: `${url}/commands/batch`,
      connections: 4,
      duration: seconds,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: batchOf(++b) }) }],
    });
  },
  1_000,
);

const rebuildFile = join(dir, 'rebuild.db');
const store = new SqliteEventStore({ file: rebuildFile, synchronous: 'NORMAL' });
const seeded = await seedStore(store, { events: rebuildEvents, accounts: 1_000 });
// Read models in a file of their own beside the log, as the server keeps them.
const sql = new SqliteSql(join(dir, 'rebuild.read-models.db'));
const runner = new ProjectionRunner(store, sql, new ReadModelTables('', PROJECTION_VERSION), new ProjectionRegistry(''), { rateEvery: Number.POSITIVE_INFINITY });
await runner.init();
const started = performance.now();
await runner.catchUp();
const elapsed = (performance.now() - started) / 1000;
console.log(
  `rebuild from SQLite: ${seeded.toLocaleString('en-US')} events in ${elapsed.toFixed(1)} s = ${Math.round(seeded / elapsed).toLocaleString('en-US')} events/s (peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB)`,
);
await sql.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
