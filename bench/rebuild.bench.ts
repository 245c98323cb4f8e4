import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.adapter.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { psql, seconds } from './measure.js';
import { seedStore } from './seed.js';

/**
 * npm run bench:rebuild -- --events 1000000 --workers 1,2 [--stores sqlite,postgres]: generates
 * one log per store (the same traffic), then for each worker count rebuilds its read models from
 * it and prints events/s, wall seconds, peak RSS and the read models' checksum; also the floor
 * (reading the log and decoding every event on one core) and the runner catching up from nothing
 * (skipped with --no-incremental), whose read models the rebuilds must equal. PostgreSQL runs on
 * BENCH_PG_URL (or LEDGER_TEST_PG_URL), in a schema of its own. Each run is a process of its own,
 * on read models of its own. The last line is one JSON object.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    workers: { type: 'string', default: '1,2' },
    accounts: { type: 'string', default: '1000' },
    stores: { type: 'string', default: 'sqlite' },
    'no-incremental': { type: 'boolean', default: false },
  },
});
const wanted = Number(values.events);
const counts = values.workers.split(',').map(Number);
const stores = values.stores.split(',');
const pgUrl = process.env.BENCH_PG_URL ?? process.env.LEDGER_TEST_PG_URL;
if (stores.some((s) => s !== 'sqlite' && s !== 'postgres')) throw new Error(`--stores lists sqlite and/or postgres, got ${values.stores}`);
if (stores.includes('postgres') && !pgUrl) throw new Error('--stores postgres needs BENCH_PG_URL (or LEDGER_TEST_PG_URL)');
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-rebuild-'));
const log = join(dir, 'ledger.db');
const schema = `bench_rebuild_${process.pid}`;
const run = new URL('./rebuild-run.js', import.meta.url).pathname;

interface Run {
  readonly seconds: number;
  readonly events: number;
  readonly rssMiB: number;
  readonly checksum?: string;
}

/** Each PostgreSQL run starts from the log alone: every read-model table of the schema is dropped. */
async function dropReadModels(): Promise<void> {
  await psql(pgUrl!, `DO $$ DECLARE t text; BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '${schema}' AND tablename NOT IN ('events', 'streams') LOOP
      EXECUTE format('DROP TABLE %I.%I CASCADE', '${schema}', t);
    END LOOP; END $$`);
}

async function measure(store: string, name: string, args: readonly string[]): Promise<Run> {
  const env =
    store === 'sqlite'
      ? { ...process.env, LEDGER_STORE: 'sqlite', LEDGER_SQLITE_FILE: log, LEDGER_SQLITE_READ_MODELS: join(dir, `${name}.read-models.db`), LEDGER_LOG_LEVEL: 'warn' }
      : { ...process.env, LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, LEDGER_LOG_LEVEL: 'warn' };
  if (store === 'postgres') await dropReadModels();
  const out = execFileSync(process.execPath, [run, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const eps = (r: Run) => Math.round(r.events / r.seconds);
const line = (label: string, r: Run) =>
  `${label.padEnd(32)} ${eps(r).toLocaleString('en-US').padStart(9)} events/s  ${r.seconds.toFixed(1).padStart(6)} s  peak RSS ${String(r.rssMiB).padStart(5)} MiB${r.checksum ? `  checksum ${r.checksum.slice(0, 16)}` : ''}`;

const figures: Record<string, unknown> = {};
try {
  let events = 0;
  for (const kind of stores) {
    let started = performance.now();
    const store = kind === 'sqlite' ? new SqliteEventStore({ file: log, synchronous: 'NORMAL' }) : new PostgresEventStore({ connectionString: pgUrl!, schema });
    events = await seedStore(store, { events: wanted, accounts: Number(values.accounts) });
    await store.close();
    // A log at rest, as a rebuild finds it: not one the autovacuum is still going through.
    if (kind === 'postgres') await psql(pgUrl!, `VACUUM ANALYZE ${schema}.events`);
    console.log(`${kind}: generated ${events.toLocaleString('en-US')} events in ${values.accounts} WABAs in ${seconds(started).toFixed(1)} s`);

    const floor = await measure(kind, 'floor', ['floor']);
    console.log(line(`${kind}: floor (read + decode)`, floor));
    const workers: Record<string, { eps: number; seconds: number; rssMiB: number; checksum: string }> = {};
    for (const n of counts) {
      started = performance.now();
      const r = await measure(kind, `rebuild-${n}`, ['rebuild', String(n)]);
      workers[n] = { eps: eps(r), seconds: r.seconds, rssMiB: r.rssMiB, checksum: r.checksum! };
      console.log(line(`${kind}: rebuild, ${n} worker${n > 1 ? 's' : ''}`, r));
    }
    let incremental: { eps: number; checksum: string } | undefined;
    if (!values['no-incremental']) {
      const r = await measure(kind, 'incremental', ['incremental']);
      incremental = { eps: eps(r), checksum: r.checksum! };
      console.log(line(`${kind}: runner, from nothing`, r));
    }
    const sums = new Set([...Object.values(workers).map((w) => w.checksum), ...(incremental ? [incremental.checksum] : [])]);
    console.log(sums.size === 1 ? `${kind}: checksums all equal` : `${kind}: checksums DIFFER: ${[...sums].join(', ')}`);
    figures[kind] = { floor: eps(floor), workers, ...(incremental ? { incremental } : {}) };
  }
  if (stores.length === 2) {
    const [a, b] = stores.map((s) => figures[s] as { workers: Record<string, { eps: number }> });
    for (const n of counts) console.log(`rebuild, ${n} worker${n > 1 ? 's' : ''}: ${stores[1]} / ${stores[0]} = ${(b!.workers[n]!.eps / a!.workers[n]!.eps).toFixed(2)}`);
  }
  console.log(JSON.stringify({ events, ...figures }));
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (stores.includes('postgres')) await psql(pgUrl!, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
