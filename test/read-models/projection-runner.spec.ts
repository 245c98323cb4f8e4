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
import { ProjectionRunner } from '../../src/read-models/projection.runner.js';
import { ReadModelReader } from '../../src/read-models/read-model.reader.js';
import { ProjectionRegistry, ReadModelTables } from '../../src/read-models/read-model.schema.js';
import { SqliteSql } from '../../src/read-models/sql.js';

/** A SQLite log seeded once for a suite, with a read-model connection beside it; removed after. */
function seededLog(prefix: string, seed: Parameters<typeof seedStore>[1]): { readonly store: SqliteEventStore; readonly sql: SqliteSql } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'ledger.db');
  const log = {} as { store: SqliteEventStore; sql: SqliteSql };
  before(async () => {
    log.store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    await seedStore(log.store, seed);
    log.sql = new SqliteSql(file);
  });
  after(async () => {
    await log.sql.close();
    await log.store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return log;
}

describe('projection runner on SQLite', () => {
  const log = seededLog('ledger-runner-', { events: 6_000, accounts: 6 });
  const registry = new ProjectionRegistry('');

  const drafts = (tables: ReadModelTables) => log.sql.all<{ waba_id: string; period: string; hash: string; total: string }>(`SELECT waba_id, period, hash, total FROM ${tables.drafts} ORDER BY waba_id, period`);
  const project = async (version: string, batchSize: number, commitEvery: number, rateEvery: number) => {
    const tables = new ReadModelTables('', version);
    const runner = new ProjectionRunner(log.store, log.sql, tables, registry, { batchSize, commitEvery, rateEvery, rateIntervalMs: 60_000 });
    await runner.init();
    await runner.catchUp();
    return { tables, runner };
  };

  it('gives the same drafts in small pages and transactions, rated mid-way, as in one batch: threads spanning pages are re-folded whole', async () => {
    const whole = await project('whole', 10_000, 10_000, Number.POSITIVE_INFINITY);
    const pieces = await project('pieces', 97, 300, 1_000);
    const expected = await drafts(whole.tables);
    assert.ok(expected.length >= 6 && expected.some((d) => d.total !== '0.00'), 'the traffic must price something');
    assert.deepEqual(await drafts(pieces.tables), expected);
    assert.deepEqual(pieces.runner.position.rated, pieces.runner.position.position, 'caught up, drafts reflect the last event');
  });

  it('switches reads to a version once it has caught up, and retires the one before', async () => {
    assert.equal(await registry.live(log.sql), 'pieces');
    assert.equal(await registry.status(log.sql, 'whole'), 'retired');
  });

  it('refuses to write a batch when another runner moved the checkpoint under it', async () => {
    const tables = new ReadModelTables('', 'pieces');
    const stale = new ProjectionRunner(log.store, log.sql, tables, registry, { batchSize: 50 });
    await stale.init();
    await log.sql.run(`UPDATE ${tables.checkpoint} SET position = '1/1' WHERE id = 1`);
    await assert.rejects(stale.apply(await stale.nextBatch()), /another runner is writing it/);
  });
});

describe('projection runner on traffic logged as it happened', () => {
  const log = seededLog('ledger-runner-live-', { events: 4_000, accounts: 4, order: 'time', days: 40 });
  const registry = new ProjectionRegistry('');
  const drafts = (tables: ReadModelTables) => log.sql.all<{ waba_id: string; period: string; hash: string; total: string; data: string }>(`SELECT waba_id, period, hash, total, data FROM ${tables.drafts} ORDER BY waba_id, period`);
  const project = async (version: string, pages: number, heldMonths?: number) => {
    const tables = new ReadModelTables('', version);
    const runner = new ProjectionRunner(log.store, log.sql, tables, registry, { batchSize: pages, commitEvery: pages, rateEvery: pages, heldMonths });
    await runner.init();
    let extended = 0;
    await runner.catchUp((report) => (extended += report.extended));
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

describe('read-model reader beside a runner whose state it does not share (the runner thread)', () => {
  const log = seededLog('ledger-reader-', { events: 300, accounts: 2 });
  const metadata = { recordedAt: '2025-10-20T00:00:00.000Z', actor: 'test', source: 'api', schemaVersion: 1 };

  it('loads accounts, cards and maps again only after a batch that changed them', async () => {
    const registry = new ProjectionRegistry('');
    const runner = new ProjectionRunner(log.store, log.sql, new ReadModelTables('', 'reader'), registry, { rateIntervalMs: 60_000 });
    await runner.init();
    await runner.catchUp();
    const reader = new ReadModelReader(log.sql, registry, log.store);
    const first = (await reader.reflecting(undefined, false)).engine;
    assert.deepEqual([...first.accounts.keys()].sort(), accountsOf(2, 7).map((a) => a.wabaId).sort());

    const [thread] = traffic({ events: 10, start: Date.parse('2025-10-20T00:00:00Z'), days: 1, seed: 99 }, accountsOf(2, 7));
    const { phoneNumberId, customer } = thread!.events[0]!.data;
    const events = thread!.events.map((e) => ({ id: `late:${e.type}:${e.data.messageId}`, type: e.type, data: e.data, metadata }));
    await log.store.append(threadStream(phoneNumberId, customer), events, { expected: 'any' });
    await runner.catchUp();
    assert.equal((await reader.reflecting(undefined, false)).engine, first, 'messages alone leave the loaded state as it is');

    const { authIntlEligible: _eligible, ...late } = { ...accountsOf(1, 31)[0]!, wabaId: 'late-waba' };
    await log.store.append(accountStream('late-waba'), [{ id: 'AccountRegistered:late-waba', type: 'AccountRegistered', data: late, metadata }], { expected: 'no_stream' });
    await runner.catchUp();
    const second = (await reader.reflecting(undefined, false)).engine;
    assert.notEqual(second, first);
    assert.equal(second.accounts.get('late-waba')?.timezone, late.timezone);
    // A query still holding the first state is not handed the account it did not reflect.
    assert.equal(first.accounts.has('late-waba'), false);
  });
});

describe('projection runner on an empty log', () => {
  it('goes live while following an empty log, so reads do not wait for a first event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-runner-empty-'));
    const file = join(dir, 'ledger.db');
    const store = new SqliteEventStore({ file });
    const sql = new SqliteSql(file);
    const registry = new ProjectionRegistry('');
    const runner = new ProjectionRunner(store, sql, new ReadModelTables('', 'empty'), registry);
    const abort = new AbortController();
    try {
      await runner.init();
      assert.equal(await registry.live(sql), undefined);
      const following = runner.follow(abort.signal, undefined, 5);
      let live: string | undefined;
      for (let i = 0; i < 200 && !live; i++) {
        await sleep(5);
        live = await registry.live(sql);
      }
      abort.abort();
      await following;
      assert.equal(live, 'empty');
    } finally {
      abort.abort();
      await sql.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
