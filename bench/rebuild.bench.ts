import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { seconds } from './measure.js';
import { seedStore } from './seed.js';

/**
 * npm run bench:rebuild -- --events 1000000 --workers 1,2: generates one SQLite log, then for
 * each worker count rebuilds its read models from it and prints events/s, wall seconds, peak RSS
 * and the read models' checksum; also the floor (reading the log and decoding every event on one
 * core) and the runner catching up from nothing (skipped with --no-incremental), whose read models
 * the rebuilds must equal. Each run is a process of its own, on a read-model file of its own. The
 * last line is one JSON object.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    workers: { type: 'string', default: '1,2' },
    accounts: { type: 'string', default: '1000' },
    'no-incremental': { type: 'boolean', default: false },
  },
});
const wanted = Number(values.events);
const counts = values.workers.split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-rebuild-'));
const log = join(dir, 'ledger.db');
const run = new URL('./rebuild-run.js', import.meta.url).pathname;

interface Run {
  readonly seconds: number;
  readonly events: number;
  readonly rssMiB: number;
  readonly checksum?: string;
}

function measure(name: string, args: readonly string[]): Run {
  const env = { ...process.env, LEDGER_SQLITE_FILE: log, LEDGER_SQLITE_READ_MODELS: join(dir, `${name}.read-models.db`), LEDGER_LOG_LEVEL: 'warn' };
  const out = execFileSync(process.execPath, [run, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const eps = (r: Run) => Math.round(r.events / r.seconds);
const line = (label: string, r: Run) =>
  `${label.padEnd(22)} ${eps(r).toLocaleString('en-US').padStart(9)} events/s  ${r.seconds.toFixed(1).padStart(6)} s  peak RSS ${String(r.rssMiB).padStart(5)} MiB${r.checksum ? `  checksum ${r.checksum.slice(0, 16)}` : ''}`;

try {
  let started = performance.now();
  const store = new SqliteEventStore({ file: log, synchronous: 'NORMAL' });
  const events = await seedStore(store, { events: wanted, accounts: Number(values.accounts) });
  await store.close();
  console.log(`generated ${events.toLocaleString('en-US')} events in ${values.accounts} WABAs in ${seconds(started).toFixed(1)} s`);

  const floor = measure('floor', ['floor']);
  console.log(line('floor (read + decode)', floor));
  const workers: Record<string, { eps: number; seconds: number; rssMiB: number; checksum: string }> = {};
  for (const n of counts) {
    started = performance.now();
    const r = measure(`rebuild-${n}`, ['rebuild', String(n)]);
    workers[n] = { eps: eps(r), seconds: r.seconds, rssMiB: r.rssMiB, checksum: r.checksum! };
    console.log(line(`rebuild, ${n} worker${n > 1 ? 's' : ''}`, r));
  }
  let incremental: { eps: number; checksum: string } | undefined;
  if (!values['no-incremental']) {
    const r = measure('incremental', ['incremental']);
    incremental = { eps: eps(r), checksum: r.checksum! };
    console.log(line('runner, from nothing', r));
  }
  const sums = new Set([...Object.values(workers).map((w) => w.checksum), ...(incremental ? [incremental.checksum] : [])]);
  console.log(sums.size === 1 ? 'checksums: all equal' : `checksums DIFFER: ${[...sums].join(', ')}`);
  console.log(JSON.stringify({ events, floor: eps(floor), workers, ...(incremental ? { incremental } : {}) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
