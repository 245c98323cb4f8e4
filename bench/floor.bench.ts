import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Positioned } from '../projections/events.js';
import { canonicalInstant, parseInstant } from '../projections/time/zone-calendar.js';
import { accountsOf, parsedChunks, traffic } from './traffic.js';
import { againstServer, summary, webhookLoad } from './load.js';

/**
 * npm run bench:floor: what the speed targets leave for the ledger's own work on this machine.
 * 1. Engine input: per event, the least stage 1 must do before any billing rule (read it, parse
 *    its timestamp, drop duplicates, order its thread), over the same chunks of pre-parsed
 *    events as bench:engine, against the 1,000 ns an event that 1,000,000 events/s allows.
 * 2. Webhook ingest: a bare node:http server (bench/floor-server.ts: signature, JSON.parse,
 *    durable SQLite group commit, 200) under bench:api's webhook load.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const SECRET = 'bench-secret';

/** A thread's messages, each at its earliest instant, in order: the input every fold needs. */
function ordered(events: readonly Positioned[]): { id: string; at: number }[] {
  const seen = new Map<string, { id: string; at: number }>();
  const steps: { id: string; at: number }[] = [];
  for (const event of events) {
    const { messageId, timestamp } = event.data;
    let at = canonicalInstant(timestamp);
    if (Number.isNaN(at)) at = parseInstant(timestamp);
    const known = seen.get(messageId);
    if (!known) {
      const step = { id: messageId, at };
      seen.set(messageId, step);
      steps.push(step);
    } else if (at < known.at) known.at = at;
  }
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i]!;
    let j = i - 1;
    for (; j >= 0 && steps[j]!.at > step.at; j--) steps[j + 1] = steps[j]!;
    steps[j + 1] = step;
  }
  return steps;
}

let events = 0;
let messages = 0;
let busy = 0;
for (const chunk of parsedChunks(traffic({ events: EVENTS, start: Date.parse('2025-10-01T00:00:00Z'), days: 30, seed: 42 }, accountsOf(5_000, 7)), 4_096)) {
  const t = performance.now();
  for (const thread of chunk) messages += ordered(thread.events).length;
  busy += performance.now() - t;
  for (const thread of chunk) events += thread.events.length;
}
const perEvent = (busy * 1e6) / events;
console.log(
  `engine input floor: ${events.toLocaleString('en-US')} events (${messages.toLocaleString('en-US')} messages) read, timestamps parsed, ` +
    `deduplicated and ordered per thread in ${(busy / 1000).toFixed(2)} s = ${Math.round(perEvent)} ns per event, ` +
    `${Math.round(perEvent / 10)} % of the 1,000 ns that 1,000,000 events/s allows`,
);

const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-floor-'));
const port = 39_000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [new URL('./floor-server.js', import.meta.url).pathname], {
  env: { ...process.env, PORT: String(port), FLOOR_FILE: join(dir, 'floor.db'), FLOOR_SECRET: SECRET },
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    up = await fetch(url).then(() => true, () => false);
    if (!up) await sleep(50);
  }
  if (!up) throw new Error('the floor server did not start');
  const measured = await againstServer(server.pid!, (warmed) => webhookLoad(url, seconds, SECRET, { perSecond: 20_000, warmed }));
  console.log(`webhook floor (bare node:http, signature, JSON.parse, durable SQLite group commit): ${summary(measured)}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('close', resolve));
  rmSync(dir, { recursive: true, force: true });
}
