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
 * generated traffic (BENCH_EVENTS events, one WABA: 20,000 give about 6,700 units; the target is
 * 100,000 units, about 300,000 events). Prints the median and the slowest of BENCH_RUNS answers
 * per page, as a browser would wait for them.
 */
const events = Number(process.env.BENCH_EVENTS ?? 20_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-console-'));
const config = { ...loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' }), adminKey: 'bench-admin' };
const clock = () => new Date();

try {
  const ledger = await openLedger(config, { clock, create: true });
  const written = await seedStore(ledger.get(EventStore), { events, accounts: 1, days: 31 });
  await ledger.get(Projections).catchUp();
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
  console.log(`seeded and projected ${written.toLocaleString('en-US')} events: ${units.total.toLocaleString('en-US')} units in ${waba}'s October`);
  // Each page: the requests the console sends for it, together, as it sends them.
  const pages: [string, string[]][] = [
    ['accounts', ['/accounts?limit=500']],
    ['account', [`/accounts/${waba}`, `/invoices?wabaId=${waba}`]],
    ['month (draft, invoice)', [`/accounts/${waba}/drafts?period=2025-10`, `/invoices/${waba}.2025-10`]],
    ['line drill-down (explain one line)', [`/audit/accounts/${waba}/explain?period=2025-10&line=1`]],
    ['thread time line', [`/audit/accounts/${waba}/threads/${thread.phoneNumberId}/${thread.customer}`, `/accounts/${waba}`]],
    ['reconciliation (asked for)', [`/accounts/${waba}/reconciliation?period=2025-10`]],
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
