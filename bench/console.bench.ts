import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../src/app.factory.js';
import { openLedger } from '../src/cli/ledger-context.js';
import { loadConfig } from '../src/config/ledger.config.js';
import { EventStore } from '../src/event-store/event-store.port.js';
import { Projections } from '../src/read-models/projections.js';
import { seedStore } from './seed.js';

/**
 * bench:console: what each console page asks of the API, timed, for one account's month of
 * generated traffic (BENCH_EVENTS events in one WABA: 300,000 give about 100,000 units, the
 * target's month). The log is projected by a rebuild, as an import would be. Prints the median
 * and the slowest of BENCH_RUNS answers per page, as a browser would wait for them.
 */
const events = Number(process.env.BENCH_EVENTS ?? 300_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-console-'));
const config = { ...loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' }), adminKey: 'bench-admin' };
const clock = () => new Date();

try {
  const ledger = await openLedger(config, { clock, create: true });
  let started = performance.now();
  const written = await seedStore(ledger.get(EventStore), { events, accounts: 1, days: 31 });
  const seeded = performance.now() - started;
  started = performance.now();
  await ledger.get(Projections).rebuild();
  const rebuilt = performance.now() - started;
  await ledger.close();
  const app = await createApp(config, { logger: pino({ level: 'silent' }) });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const ask = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: 'Bearer bench-admin' } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const waba = 'waba-0';
  const units = (await ask(`/accounts/${waba}/units?period=2025-10&limit=1`)) as { total: number; units: { phoneNumberId: string; customer: string }[] };
  const thread = units.units[0]!;
  console.log(
    `seeded ${written.toLocaleString('en-US')} events in ${(seeded / 1000).toFixed(1)} s, rebuilt the read models in ${(rebuilt / 1000).toFixed(1)} s: ${units.total.toLocaleString('en-US')} units in ${waba}'s October`,
  );
  // The line with most units, and a page of it from its middle, as "next" after "next" reaches it.
  const { draft } = (await ask(`/accounts/${waba}/drafts?period=2025-10`)) as { draft: { lines: { quantity: number }[] } };
  const biggest = draft.lines.reduce((best, l, i) => (l.quantity > draft.lines[best]!.quantity ? i : best), 0) + 1;
  const middle = (await ask(`/accounts/${waba}/units?period=2025-10&line=${biggest}&limit=${Math.floor(draft.lines[biggest - 1]!.quantity / 2)}`)) as { next: string };
  const reconciled = (await ask(`/accounts/${waba}/reconciliation?period=2025-10&limit=1`)) as { messages: number; total: number };
  console.log(
    `${draft.lines.length} lines; line ${biggest} has ${draft.lines[biggest - 1]!.quantity.toLocaleString('en-US')} units; ${reconciled.total.toLocaleString('en-US')} findings over ${reconciled.messages.toLocaleString('en-US')} messages`,
  );
  // Each page: the requests the console sends for it, together, as it sends them.
  const pages: [string, string[]][] = [
    ['accounts', ['/accounts?limit=100']],
    ['accounts: a search', [`/accounts?limit=100&q=${waba}`]],
    ['account: history, months, failures, parked webhooks', [`/accounts/${waba}`, `/accounts/${waba}/months`, `/projection/failures?wabaId=${waba}`, `/webhooks/parked?limit=500&wabaId=${waba}`]],
    ['month (draft, invoice)', [`/accounts/${waba}/drafts?period=2025-10`, `/invoices/${waba}.2025-10`]],
    ['line drill-down: first page of the biggest line', [`/accounts/${waba}/units?period=2025-10&line=${biggest}&limit=50`]],
    ['line drill-down: a page from its middle', [`/accounts/${waba}/units?period=2025-10&line=${biggest}&limit=50&after=${encodeURIComponent(middle.next)}`]],
    ['a unit: its events, rule and rate-card row', [`/audit/accounts/${waba}/threads/${thread.phoneNumberId}/${thread.customer}`]],
    ['thread time line', [`/audit/accounts/${waba}/threads/${thread.phoneNumberId}/${thread.customer}`, `/accounts/${waba}`]],
    ['reconciliation: counts and first page', [`/accounts/${waba}/reconciliation?period=2025-10&limit=50`]],
    ['reconciliation: one kind, its second page', [`/accounts/${waba}/reconciliation?period=2025-10&limit=50&kind=type&after=${(await ask(`/accounts/${waba}/reconciliation?period=2025-10&limit=50&kind=type`)).next as string}`]],
    ['rate cards', ['/rate-cards']],
    ['health', ['/health']],
  ];
  const rows = [];
  for (const [page, paths] of pages) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await Promise.all(paths.map((path) => ask(path).catch((error: Error) => (error.message.includes(': 404') ? null : Promise.reject(error)))));
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    rows.push({ page, 'median ms': Math.round(times[Math.floor(times.length / 2)]!), 'max ms': Math.round(times[times.length - 1]!), 'under 200 ms': times[Math.floor(times.length / 2)]! < 200 ? 'yes' : 'no' });
  }
  console.table(rows);
  await app.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
