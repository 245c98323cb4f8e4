import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteSql } from '../sql.js';
import { LeaseLost, Leases, workerName } from './leases.js';

describe('leases on partitions: shared out, renewed, taken over, fenced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-leases-'));
  let sql: SqliteSql;
  let version = 0;
  /** Workers of a version of their own, with 8 partitions. */
  const workers = (count: number, ttlMs = 30_000): Leases[] => {
    version += 1;
    return Array.from({ length: count }, () => new Leases(sql, '', `v${version}`, 8, workerName(), ttlMs));
  };
  const owners = async (leases: Leases) => (await leases.holders()).map((h) => h.owner);

  before(() => {
    sql = new SqliteSql(join(dir, 'leases.db'));
  });
  after(async () => {
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the first worker every partition, then evens the shares out as a second one comes', async () => {
    const [a, b] = workers(2);
    await a!.create();
    let heldA = (await a!.keep(new Map(), 'share')).held;
    assert.equal(heldA.size, 8);
    let heldB = (await b!.keep(new Map(), 'share')).held;
    assert.equal(heldB.size, 0, 'nothing is free yet');
    const kept = await a!.keep(heldA, 'share');
    assert.deepEqual(kept.released, [7, 6, 5, 4]);
    heldA = kept.held;
    heldB = (await b!.keep(heldB, 'share')).held;
    assert.deepEqual([...heldA.keys()].sort(), [0, 1, 2, 3]);
    assert.deepEqual([...heldB.keys()].sort(), [4, 5, 6, 7]);
    assert.deepEqual([...heldB.values()], [2, 2, 2, 2], 'each take moves the epoch: taken once by a, once by b');
  });

  it('takes a partition whose lease ran out, and leaves one still held by a live worker', async () => {
    const [a, b] = workers(2, 1_000);
    await a!.create();
    const held = (await a!.keep(new Map(), 'free')).held;
    assert.equal((await b!.keep(new Map(), 'free')).held.size, 0);
    await sql.run(`UPDATE ${a!.table} SET expires_at = 0 WHERE partition IN (0, 1)`);
    const taken = (await b!.keep(new Map(), 'free')).held;
    assert.deepEqual([...taken.keys()].sort(), [0, 1]);
    const renewed = await a!.keep(held, 'free');
    assert.deepEqual(renewed.lost.sort(), [0, 1], 'the worker that let them run out learns it lost them');
    assert.equal(renewed.held.size, 6);
  });

  it('takes at once the partitions of a process of this host that is gone, without waiting for the lease', async () => {
    const [a] = workers(1);
    await a!.create();
    const gone = `${hostname()}:2147483646:0:dead00`;
    await sql.run(`UPDATE ${a!.table} SET owner = ?, expires_at = 9e15 WHERE partition < 4`, [gone]);
    const elsewhere = 'another-host:1234:0:beef00';
    await sql.run(`UPDATE ${a!.table} SET owner = ?, expires_at = 9e15 WHERE partition >= 4`, [elsewhere]);
    const held = (await a!.keep(new Map(), 'free')).held;
    assert.deepEqual([...held.keys()].sort(), [0, 1, 2, 3]);
    assert.deepEqual(await owners(a!), [a!.owner, a!.owner, a!.owner, a!.owner, elsewhere, elsewhere, elsewhere, elsewhere]);
  });

  it('fences off a worker whose partition was taken over: its batch transaction throws LeaseLost naming it', async () => {
    const [a, rebuild] = workers(2);
    await a!.create();
    const held = (await a!.keep(new Map(), 'free')).held;
    await a!.fence(sql, held);
    await rebuild!.steal([3]);
    await assert.rejects(
      sql.transaction((tx) => a!.fence(tx, held)),
      (error: unknown) => error instanceof LeaseLost && error.partitions.join() === '3',
    );
  });

  it('takes only the partitions a job thread was dealt, and gives every lease back when it leaves', async () => {
    const [job, other] = workers(2);
    await job!.create();
    const held = (await job!.keep(new Map(), [1, 5])).held;
    assert.deepEqual([...held.keys()].sort(), [1, 5]);
    await job!.leave();
    assert.equal((await other!.keep(new Map(), 'free')).held.size, 8);
  });
});
