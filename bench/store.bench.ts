import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventInput, EventStore } from '../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.adapter.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { psql } from './measure.js';

/**
 * npm run bench:store [-- --events 1000000 --single 20000 --spread 200000]
 * `spread`: events appended as batches of 1,000 commands over 1,000 streams each (appendMany),
 * as a batch request or an import writes real traffic. PostgreSQL runs when LEDGER_TEST_PG_URL
 * (or LEDGER_PG_URL) is set.
 */
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const TOTAL = Number(args.get('events') ?? 1_000_000);
const SINGLE = Number(args.get('single') ?? 20_000);
const SPREAD = Number(args.get('spread') ?? 200_000);
const BATCH = 1_000;
const pgUrl = process.env.LEDGER_TEST_PG_URL ?? process.env.LEDGER_PG_URL;

const categories = ['marketing', 'utility', 'authentication'] as const;
const kinds = ['MessageSent', 'MessageDelivered', 'MessageRead'] as const;

/** A message event as the ledger stores it: 300 to 600 bytes of JSON with metadata. */
function messageEvent(n: number, run: string): EventInput {
  const customer = `55119${String(10_000_000 + (n % 90_000_000)).padStart(8, '0')}`;
  const messageId = `wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDMEQ1${n.toString(36).toUpperCase().padStart(10, '0')}`;
  const type = kinds[n % kinds.length]!;
  const timestamp = new Date(Date.UTC(2025, 9, 1) + n * 1_000).toISOString();
  const data: Record<string, unknown> = {
    wabaId: `10229012934${String(n % 500).padStart(4, '0')}`,
    phoneNumberId: `1065403522${String(n % 50).padStart(5, '0')}`,
    customer,
    messageId,
    timestamp,
  };
  if (type === 'MessageSent') {
    data.kind = 'template';
    data.template = { name: `order_update_${n % 40}`, language: 'pt_BR', category: categories[n % 3] };
  } else {
    data.stated = { pricing: { billable: n % 5 !== 0, pricing_model: 'PMP', category: categories[n % 3], type: 'regular' } };
  }
  return {
    id: `${run}:${messageId}:${type}`,
    type,
    data,
    metadata: { eventId: `${messageId}:${type}`, recordedAt: timestamp, actor: 'bench', correlationId: `c-${n}`, source: 'webhook', schemaVersion: 1 },
  };
}

interface Figures {
  store: string;
  single: string;
  batched: string;
  spread: string;
  readAll: string;
  readDecoded: string;
  events: number;
  bytes: number;
}

async function measure(store: EventStore, label: string): Promise<Figures> {
  const run = `r${Date.now().toString(36)}`;
  let n = 0;
  let t = performance.now();
  for (let i = 0; i < SINGLE; i++, n++) {
    await store.append(`thread-${n % 5_000}`, [messageEvent(n, run)], { expected: 'any' });
  }
  const single = SINGLE / ((performance.now() - t) / 1000);

  const toBatch = TOTAL - SINGLE;
  let appending = 0;
  let bytes = 0;
  for (let written = 0; written < toBatch; written += BATCH) {
    const events = Array.from({ length: Math.min(BATCH, toBatch - written) }, () => messageEvent(n++, run));
    if (written === 0) bytes = events.reduce((sum, e) => sum + JSON.stringify(e.data).length + JSON.stringify(e.metadata).length, 0) / events.length;
    t = performance.now();
    await store.append(`batch-${written / BATCH}`, events, { expected: 'no_stream' });
    appending += performance.now() - t;
    if (written % 100_000 === 0) process.stderr.write(`  ${label}: ${written + SINGLE} events written\r`);
  }
  const batched = toBatch / (appending / 1000);

  appending = 0;
  for (let written = 0; written < SPREAD; written += BATCH) {
    const writes = Array.from({ length: Math.min(BATCH, SPREAD - written) }, () => ({ stream: `thread-${n % 100_000}`, events: [messageEvent(n++, run)], expected: 'any' as const }));
    t = performance.now();
    await store.appendMany(writes);
    appending += performance.now() - t;
  }
  const spread = SPREAD / (appending / 1000);

  t = performance.now();
  let read = 0;
  for await (const batch of store.readAllBatches({ batchSize: 5_000 })) read += batch.length;
  const readAll = read / ((performance.now() - t) / 1000);

  t = performance.now();
  let decoded = 0;
  for await (const batch of store.readAllBatches({ batchSize: 5_000 })) {
    for (const event of batch) if (event.data !== undefined && event.metadata) decoded += 1;
  }
  const readDecoded = decoded / ((performance.now() - t) / 1000);
  process.stderr.write('\n');
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  return { store: label, single: fmt(single), batched: fmt(batched), spread: fmt(spread), readAll: fmt(readAll), readDecoded: fmt(readDecoded), events: read, bytes: Math.round(bytes) };
}

const results: Figures[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
try {
  const sqlite = new SqliteEventStore({ file: join(dir, 'bench.db') });
  results.push(await measure(sqlite, 'sqlite (WAL, synchronous=FULL)'));
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (pgUrl) {
  const schema = `bench_${Date.now().toString(36)}`;
  const store = new PostgresEventStore({ connectionString: pgUrl, schema });
  await store.init();
  try {
    results.push(await measure(store, 'postgres'));
  } finally {
    await store.close();
    await psql(pgUrl, `DROP SCHEMA ${schema} CASCADE`);
  }
} else {
  console.log('PostgreSQL skipped: set LEDGER_TEST_PG_URL to include it.');
}

console.log(`\nstore benchmark: ${SINGLE.toLocaleString('en-US')} single appends, then batches of ${BATCH} up to ${TOTAL.toLocaleString('en-US')} events, ${SPREAD.toLocaleString('en-US')} more in batches of ${BATCH} streams, then read all from position 0`);
console.table(results.map((r) => ({
  store: r.store,
  'append 1/call (events/s)': r.single,
  'append 1000/call (events/s)': r.batched,
  '1000 streams/call (events/s)': r.spread,
  'read all (events/s)': r.readAll,
  'read all + JSON decode (events/s)': r.readDecoded,
  'events read': r.events.toLocaleString('en-US'),
  'avg JSON bytes': r.bytes,
})));
