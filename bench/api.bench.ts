import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { psql } from './measure.js';
import { shippedCard } from './seed.js';
import type { Measured } from './load.js';
import { againstServer, BENCH_PHONES as phones, load, rate, summary, webhookLoad } from './load.js';

/**
 * bench:api: the server in its own process on loopback (runner on), load from autocannon here.
 * Webhook ingest (one signed status per request) and batch ingest (1,000 commands per request);
 * the rebuild of the read models is bench:rebuild's. BENCH_STORE names the stores, `sqlite`
 * (the default), `postgres` (on BENCH_PG_URL, a fresh schema per run) or `sqlite,postgres`:
 * their runs alternate, so a ratio between them is taken under the same load on the machine;
 * BENCH_LOADS picks `webhook` or `batch` alone.
 * Figures on a shared VM move by ±20 % between runs: each load runs BENCH_RUNS times per store
 * on a fresh server and store, and the median run is the figure.
 */
const ADMIN = 'bench-admin';
const SECRET = 'bench-secret';
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-api-'));
const port = 39_000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
const stores = (process.env.BENCH_STORE ?? 'sqlite').split(',') as Store[];
const pgUrl = process.env.BENCH_PG_URL ?? process.env.LEDGER_TEST_PG_URL;
if (stores.some((s) => s !== 'sqlite' && s !== 'postgres')) throw new Error(`BENCH_STORE must list sqlite and/or postgres, got ${process.env.BENCH_STORE}`);
if (stores.includes('postgres') && !pgUrl) throw new Error('BENCH_STORE=postgres needs BENCH_PG_URL (or LEDGER_TEST_PG_URL)');

type Store = 'sqlite' | 'postgres';
/** BENCH_LOADS: `webhook`, `batch` or both (the default). */
const loads = (process.env.BENCH_LOADS ?? 'webhook,batch').split(',');

function storeEnv(store: Store, name: string): Record<string, string> {
  if (store === 'sqlite') return { LEDGER_STORE: 'sqlite', LEDGER_SQLITE_FILE: join(dir, `${name}.db`) };
  return { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl!, LEDGER_PG_SCHEMA: `bench_${name.replace(/\W/g, '_')}_${process.pid}` };
}

async function dropSchema(env: Record<string, string>): Promise<void> {
  if (env.LEDGER_STORE !== 'postgres') return;
  await psql(pgUrl!, `DROP SCHEMA IF EXISTS ${env.LEDGER_PG_SCHEMA} CASCADE`);
}

async function startServer(store: Record<string, string>): Promise<ChildProcess> {
  const server = spawn(process.execPath, [new URL('../src/main.js', import.meta.url).pathname], {
    env: { ...process.env, ...store, PORT: String(port), LEDGER_ADMIN_KEY: ADMIN, LEDGER_META_APP_SECRET: SECRET, LEDGER_LOG_LEVEL: 'warn' },
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

/**
 * Each run on a fresh server and store, the stores in turn; per store the median run (the slower
 * middle one for an even count) is the figure, every run is printed. `run` calls `warmed` when
 * what follows is measured.
 */
async function measure(title: string, run: (warmed: () => void) => Promise<Measured>, eventsPerRequest = 1, then?: () => Promise<string>): Promise<void> {
  const results = new Map<Store, Measured[]>(stores.map((s) => [s, []]));
  for (let n = 1; n <= runs; n++) {
    for (const store of stores) {
      const env = storeEnv(store, `${title.split(' ')[0]}-${n}`);
      const server = await startServer(env);
      try {
        await setUp();
        const measured = await againstServer(server.pid!, run, eventsPerRequest);
        results.get(store)!.push(measured);
        console.log(`  ${title}, ${store}, run ${n}/${runs}: ${summary(measured, eventsPerRequest)}${then ? `; ${await then()}` : ''}`);
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => server.on('close', resolve));
        await dropSchema(env);
      }
    }
  }
  const medians = stores.map((store) => {
    const median = [...results.get(store)!].sort((a, b) => rate(a.result) - rate(b.result))[Math.floor((runs - 1) / 2)]!;
    console.log(`${title}, ${store}: median of ${runs}: ${summary(median, eventsPerRequest)}`);
    return rate(median.result);
  });
  if (stores.length === 2) console.log(`${title}: ${stores[1]} / ${stores[0]} = ${(medians[1]! / medians[0]!).toFixed(2)} (medians)`);
}

async function setUp(): Promise<void> {
  // A priced account, as in production: every status is rated into a draft line.
  await post('/rate-cards', shippedCard('meta-usd-2025-10.csv'));
  await post('/accounts', { wabaId: 'bench-waba', portfolioId: 'bench-pf', timezone: 'America/Sao_Paulo', currency: 'USD' });
  for (const phoneNumberId of phones) await post('/phone-numbers', { wabaId: 'bench-waba', phoneNumberId });
}

/** The inbox processor after a webhook load: the payloads still waiting when the load ended, and how long they took to be recorded. */
async function inboxDrain(): Promise<string> {
  const lag = async () => ((await (await fetch(`${url}/health`)).json()) as { inbox: { lagPayloads: number } }).inbox.lagPayloads;
  const waiting = await lag();
  const started = performance.now();
  while ((await lag()) > 0) await sleep(100);
  const took = (performance.now() - started) / 1000;
  return `inbox lag ${waiting} payloads at the end of the load, recorded ${took.toFixed(1)} s later${waiting ? ` (${Math.round(waiting / Math.max(took, 0.001))} payloads/s)` : ''}`;
}

if (loads.includes('webhook')) await measure('webhook ingest (1 status per request, 64 connections)', (warmed) => webhookLoad(url, seconds, SECRET, { perSecond: 8_000, warmed }), 1, inboxDrain);

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
if (loads.includes('batch')) await measure(
  'batch ingest (1,000 commands per request, 4 connections)',
  (warmed) => {
    let b = 0;
    warmed();
    return load({
      url: `${url}/commands/batch`,
      connections: 4,
      duration: seconds,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: batchOf(++b) }) }],
    });
  },
  1_000,
);

rmSync(dir, { recursive: true, force: true });
