import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventInput } from '../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.adapter.js';

/**
 * node dist/bench/append.bench.js [events]: SQLite's batched appends alone (1,000 events a call
 * over 100 streams), the phase the chain's hashing weighs on most. A whole process to time with an
 * outside tool against another build of the store: it depends on nothing newer than the port.
 */
const total = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), 'ledger-append-'));
const store = new SqliteEventStore({ file: join(dir, 'bench.db') });
const data = { wabaId: '102290129340123', phoneNumberId: '106540352200012', customer: '5511912345678', timestamp: '2025-10-01T00:00:00.000Z', kind: 'template', template: { name: 'promo', category: 'marketing' } };
const metadata = { recordedAt: '2025-10-01T00:00:00.000Z', actor: 'bench', correlationId: 'c-1', source: 'webhook', schemaVersion: 1 };
let n = 0;
const started = process.hrtime.bigint();
while (n < total) {
  const events: EventInput[] = Array.from({ length: 1_000 }, () => ({ id: `e-${n}`, type: 'MessageSent', data: { ...data, messageId: `wamid.${n++}` }, metadata }));
  await store.append(`thread-${(n / 1_000) % 100}`, events, { expected: 'any' });
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`${n.toLocaleString('en-US')} events in batches of 1,000: ${Math.round(n / seconds).toLocaleString('en-US')} events/s`);
await store.close();
rmSync(dir, { recursive: true, force: true });
