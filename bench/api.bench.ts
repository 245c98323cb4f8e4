import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { shippedCard } from './seed.js';
import type { Measured } from './load.js';
import { againstServer, BENCH_PHONES as phones, load, rate, summary, webhookLoad } from './load.js';

/**
 * bench:api: the server in its own process on loopback (SQLite, runner on), load from autocannon
 * here. Webhook ingest (one signed status per request) and batch ingest (1,000 commands per
 * request); the rebuild of the read models is bench:rebuild's. Figures on a shared VM move
 * by ±20 % between runs: each load runs BENCH_RUNS times on a fresh server and store, and the
 * median run is the figure.
 */
const ADMIN = 'bench-admin';
const SECRET = 'bench-secret';
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
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

/**
 * Each run on a fresh server and store; the median run (the slower middle one for an even count)
 * is the figure, every run is printed. `run` calls `warmed` when what follows is measured.
 */
async function measure(title: string, run: (warmed: () => void) => Promise<Measured>, eventsPerRequest = 1): Promise<void> {
  const results: Measured[] = [];
  for (let n = 1; n <= runs; n++) {
    const server = await startServer(join(dir, `${title.split(' ')[0]}-${n}.db`));
    try {
      await setUp();
      const measured = await againstServer(server.pid!, run, eventsPerRequest);
      results.push(measured);
      console.log(`  ${title}, run ${n}/${runs}: ${summary(measured, eventsPerRequest)}`);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.on('close', resolve));
    }
  }
  const median = [...results].sort((a, b) => rate(a.result) - rate(b.result))[Math.floor((runs - 1) / 2)]!;
  console.log(`${title}: median of ${runs}: ${summary(median, eventsPerRequest)}`);
}

async function setUp(): Promise<void> {
  // A priced account, as in production: every status is rated into a draft line.
  await post('/rate-cards', shippedCard('meta-usd-2025-10.csv'));
  await post('/accounts', { wabaId: 'bench-waba', portfolioId: 'bench-pf', timezone: 'America/Sao_Paulo', currency: 'USD' });
  for (const phoneNumberId of phones) await post('/phone-numbers', { wabaId: 'bench-waba', phoneNumberId });
}

await measure('webhook ingest (1 status per request, 64 connections)', (warmed) => webhookLoad(url, seconds, SECRET, { perSecond: 8_000, warmed }));

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
