import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { seedStore } from '../../bench/seed.js';
import { accountsOf, traffic } from '../../bench/traffic.js';
import { accountStream, threadStream } from '../../projections/events.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.adapter.js';
import type { ProcessorTuning } from '../../src/read-models/ledger-processor.js';
import { openProcessor, rebuildContext, resetVersion } from '../../src/read-models/ledger-processor.js';
import { allPartitions } from '../../src/read-models/processor/partitions.js';
import { planRebuild } from '../../src/read-models/rebuild/rebuild-plan.js';
import { finishRebuild, rebuildWorker } from '../../src/read-models/rebuild/rebuild.js';
import { LeaseLost } from '../../src/read-models/processor/leases.js';
import { readModelChecksum } from '../../src/read-models/read-model.dump.js';
import { ReadModelReader } from '../../src/read-models/read-model.reader.js';
import { ProjectionRegistry } from '../../src/read-models/read-model.schema.js';
import type { ReadModelTables } from '../../src/read-models/read-model.schema.js';
import { SqliteSql } from '../../src/read-models/sql.js';

/** A SQLite log seeded once for a suite, with a read-model connection beside it; removed after. */
function seededLog(prefix: string, seed: Parameters<typeof seedStore>[1]): { readonly store: SqliteEventStore; readonly sql: SqliteSql } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'ledger.db');
  const log = {} as { store: SqliteEventStore; sql: SqliteSql };
  before(async () => {
    log.store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    await seedStore(log.store, seed);
    log.sql = new SqliteSql(join(dir, 'ledger.read-models.db'));
  });
  after(async () => {
    await log.sql.close();
    await log.store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return log;
}

const tuning = (batch: number, commit = batch, held = 2_000): ProcessorTuning => ({ projectionBatch: batch, projectionCommit: commit, projectionCommitMs: 600_000, projectionHeldMonths: held, projectionLeaseMs: 30_000 });

describe('projection processor on SQLite', () => {
  const log = seededLog('ledger-runner-', { events: 6_000, accounts: 6 });
  const registry = new ProjectionRegistry('');
  const drafts = (tables: ReadModelTables) => log.sql.all<{ waba_id: string; period: string; hash: string; total: string }>(`SELECT waba_id, period, hash, total FROM ${tables.drafts} ORDER BY waba_id, period`);
  const project = async (version: string, batch: number, commit: number) => {
    const { processor, tables } = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: tuning(batch, commit), claim: 'free', version, settleIntervalMs: 60_000 });
    await processor.catchUp();
    await processor.leave();
    return tables;
  };

  it('gives the same read models in small pages and transactions as in one batch: threads spanning pages are re-folded whole', async () => {
    const whole = await project('whole', 10_000, 10_000);
    const pieces = await project('pieces', 97, 300);
    const expected = await drafts(whole);
    assert.ok(expected.length >= 6 && expected.some((d) => d.total !== '0.00'), 'the traffic must price something');
    assert.deepEqual(await drafts(pieces), expected);
    assert.equal(await readModelChecksum(log.sql, pieces), await readModelChecksum(log.sql, whole));
    for (const checkpoint of (await pieces.checkpoints.read(log.sql)).values()) assert.deepEqual(checkpoint.rated, checkpoint.position, 'caught up, drafts reflect the last event');
  });

  it('switches reads to a version once every partition has caught up, and retires the one before', async () => {
    assert.equal(await registry.live(log.sql), 'pieces');
    assert.equal(await registry.status(log.sql, 'whole'), 'retired');
  });

  it('splits the partitions between two workers of one version, each writing only its own, to the read models of one worker', async () => {
    const a = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: tuning(500), claim: 'share', version: 'shared', settleIntervalMs: 0 });
    const b = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: tuning(500), claim: 'share', version: 'shared', settleIntervalMs: 0 });
    // Both register first, then even out: the first takes everything, then gives half back to the second.
    await a.processor.keepLeases(true);
    await b.processor.keepLeases(true);
    await a.processor.keepLeases(true);
    await b.processor.keepLeases(true);
    assert.equal(a.processor.partitions.length, 32);
    assert.equal(b.processor.partitions.length, 32);
    assert.deepEqual([...a.processor.partitions, ...b.processor.partitions].sort((x, y) => x - y), Array.from({ length: 64 }, (_, p) => p));
    await a.processor.catchUp();
    await b.processor.catchUp();
    assert.equal(await readModelChecksum(log.sql, a.tables), await readModelChecksum(log.sql, await project('single', 500, 500)));
    await a.processor.leave();
    await b.processor.leave();
  });

  it('rebuilds by stream name, each worker its dealt partitions, to the read models of the runner; one stopped before its checkpoints is finished by the runner', async () => {
    const reference = await readModelChecksum(log.sql, await project('reference', 2_000, 2_000));
    const setup = { store: log.store, sql: log.sql, namespace: '', tuning: tuning(2_000), version: 'rebuilt' };
    const context = await rebuildContext(setup);
    const plan = await planRebuild(log.store, 2, allPartitions());
    assert.equal(plan.hands.length, 2);
    assert.deepEqual([...plan.hands[0]!, ...plan.hands[1]!].sort((a, b) => a - b), allPartitions());
    let threadEvents = 0;
    for (const [i, hand] of plan.hands.entries()) threadEvents += (await rebuildWorker(context, hand, plan.ranges[i]!, plan.end)).events;
    // Stopped here: every row is written, no checkpoint has moved.
    for (const checkpoint of (await context.tables.checkpoints.read(log.sql)).values()) assert.equal(checkpoint.events, 0);
    const finished = await openProcessor({ ...setup, claim: 'free' });
    await finished.processor.catchUp();
    await finished.processor.leave();
    assert.equal(await readModelChecksum(log.sql, context.tables), reference, 'the runner over the rebuilt rows');
    await resetVersion(log.sql, '', 'rebuilt');
    const again = await rebuildContext(setup);
    for (const [i, hand] of plan.hands.entries()) await rebuildWorker(again, hand, plan.ranges[i]!, plan.end);
    const events = await finishRebuild(log.sql, again.tables, again.leases, plan, threadEvents, async () => undefined);
    assert.equal(events, (await log.store.countUpTo(plan.end)));
    assert.equal(await readModelChecksum(log.sql, again.tables), reference, 'a whole rebuild');
  });

  it('fences a worker whose partitions were taken over: its batch is not written, and it lets them go', async () => {
    const stale = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: tuning(50), claim: 'free', version: 'fenced' });
    await stale.processor.keepLeases(true);
    assert.equal(stale.processor.partitions.length, 64);
    const other = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: tuning(50), claim: 'free', version: 'fenced' });
    await other.processor.steal([0, 1, 2]);
    const holders = await stale.processor.leases.holders();
    await assert.rejects(stale.processor.leases.fence(log.sql, new Map(holders.slice(0, 3).map((h) => [h.partition, h.epoch - 1]))), LeaseLost);
    await stale.processor.step();
    assert.equal(stale.processor.partitions.length, 61, 'the three partitions taken over are dropped');
    const checkpoints = await stale.tables.checkpoints.read(log.sql, [0, 1, 2]);
    for (const checkpoint of checkpoints.values()) assert.equal(checkpoint.events, 0, 'nothing was written for them by the fenced worker');
    await stale.processor.leave();
    await other.processor.leave();
  });
});

describe('projection processor on traffic logged as it happened', () => {
  const log = seededLog('ledger-runner-live-', { events: 4_000, accounts: 4, order: 'time', days: 40 });
  const drafts = (tables: ReadModelTables) => log.sql.all<{ waba_id: string; period: string; hash: string; total: string; data: string }>(`SELECT waba_id, period, hash, total, data FROM ${tables.drafts} ORDER BY waba_id, period`);
  const project = async (version: string, pages: number, heldMonths?: number) => {
    const { processor, tables } = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: { ...tuning(pages), projectionHeldMonths: heldMonths ?? 2_000 }, claim: 'free', version, settleIntervalMs: 0 });
    let extended = 0;
    for (;;) {
      const report = await processor.step(true);
      if (!report) break;
      extended += report.incremental;
      if (report.caughtUp && processor.idle) break;
    }
    await processor.leave();
    return { tables, extended };
  };

  it('rates a month that only gained later units by extending the rater it kept, to the drafts of rating it from all its units', async () => {
    const whole = await project('whole', 100_000);
    const kept = await project('kept', 53);
    const forgotten = await project('forgotten', 53, 0);
    const expected = await drafts(whole.tables);
    assert.ok(expected.some((d) => d.period === '2025-11' && d.total !== '0.00'), 'the traffic must price two months');
    assert.ok(kept.extended > 10, `months extended: ${kept.extended}`);
    assert.equal(forgotten.extended, 0);
    assert.deepEqual(await drafts(kept.tables), expected);
    assert.deepEqual(await drafts(forgotten.tables), expected);
  });
});

describe('read-model reader beside a processor whose state it does not share (a worker thread)', () => {
  const log = seededLog('ledger-reader-', { events: 300, accounts: 2 });
  const metadata = { recordedAt: '2025-10-20T00:00:00.000Z', actor: 'test', source: 'api', schemaVersion: 1 };

  it('loads accounts, cards and maps again only after a batch that changed them', async () => {
    const registry = new ProjectionRegistry('');
    const catchUp = async () => {
      const { processor } = await openProcessor({ store: log.store, sql: log.sql, namespace: '', tuning: tuning(2_000), claim: 'free', version: 'reader', settleIntervalMs: 60_000 });
      await processor.catchUp();
      await processor.leave();
    };
    await catchUp();
    const reader = new ReadModelReader(log.sql, registry, log.store);
    const first = (await reader.reflecting(undefined, false)).engine;
    assert.deepEqual([...first.accounts.keys()].sort(), accountsOf(2, 7).map((a) => a.wabaId).sort());

    const [thread] = traffic({ events: 10, start: Date.parse('2025-10-20T00:00:00Z'), days: 1, seed: 99 }, accountsOf(2, 7));
    const { wabaId, phoneNumberId, customer } = thread!.events[0]!.data;
    const events = thread!.events.map((e) => ({ id: `late:${e.type}:${e.data.messageId}`, type: e.type, data: e.data, metadata }));
    await log.store.append(threadStream(wabaId, phoneNumberId, customer), events, { expected: 'any' });
    await catchUp();
    assert.equal((await reader.reflecting(undefined, false)).engine, first, 'messages alone leave the loaded state as it is');

    const { changes: _changes, ...late } = { ...accountsOf(1, 31)[0]!, wabaId: 'late-waba' };
    await log.store.append(accountStream('late-waba'), [{ id: 'AccountRegistered:late-waba', type: 'AccountRegistered', data: late, metadata }], { expected: 'no_stream' });
    await catchUp();
    const second = (await reader.reflecting(undefined, false)).engine;
    assert.notEqual(second, first);
    assert.equal(second.accounts.get('late-waba')?.timezone, late.timezone);
    // A query still holding the first state is not handed the account it did not reflect.
    assert.equal(first.accounts.has('late-waba'), false);
  });
});

describe('projection processor on an empty log', () => {
  it('goes live while following an empty log, so reads do not wait for a first event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-runner-empty-'));
    const store = new SqliteEventStore({ file: join(dir, 'ledger.db') });
    const sql = new SqliteSql(join(dir, 'ledger.read-models.db'));
    const registry = new ProjectionRegistry('');
    const abort = new AbortController();
    try {
      const { processor } = await openProcessor({ store, sql, namespace: '', tuning: tuning(2_000), claim: 'share', version: 'empty' });
      assert.equal(await registry.live(sql), undefined);
      const following = processor.follow(abort.signal, undefined, 5);
      let live: string | undefined;
      for (let i = 0; i < 200 && !live; i++) {
        await sleep(5);
        live = await registry.live(sql);
      }
      abort.abort();
      await following;
      await processor.leave();
      assert.equal(live, 'empty');
    } finally {
      abort.abort();
      await sql.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
