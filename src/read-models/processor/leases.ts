import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import type { Sql } from '../sql.js';
import { inList } from '../sql.js';

/** Partitions a worker holds, with the epoch of each lease: its fencing token. */
export type Held = ReadonlyMap<number, number>;

/** A partition this worker held was taken over (its lease ran out, or a rebuild took it): the batch in hand is not written. */
export class LeaseLost extends Error {
  constructor(readonly partitions: readonly number[]) {
    super(`lost the lease of partition${partitions.length > 1 ? 's' : ''} ${partitions.join(', ')}`);
  }
}

/**
 * How a worker takes partitions: its fair share of the live workers' (a server's worker), every
 * free one (a job catching up), or these ones when free (one of a job's threads).
 */
export type Claim = 'share' | 'free' | readonly number[];

export interface Kept {
  readonly held: Map<number, number>;
  /** Held before and not any more: another worker owns them now. */
  readonly lost: number[];
  /** Handed back to even out the live workers' shares. */
  readonly released: number[];
  readonly taken: Map<number, number>;
}

/** A worker's name: host, process and thread, so that one on the same host can tell when its process died. */
export function workerName(): string {
  return `${hostname()}:${process.pid}:${threadId}:${randomBytes(3).toString('hex')}`;
}

/**
 * Leases on partitions, held in the read models' own store so that processes on several
 * machines can share the partitions of PostgreSQL read models. Taking a lease increments its
 * epoch; every batch checks, in its own transaction, that the epochs it holds are still current,
 * so a worker that stalled past its lease and woke up finds itself fenced off instead of writing
 * beside the new owner. Time is the database's clock, the same for every machine.
 */
export class Leases {
  readonly table: string;
  readonly workers: string;

  constructor(
    private readonly sql: Sql,
    namespace: string,
    private readonly version: string,
    private readonly count: number,
    readonly owner: string,
    private readonly ttlMs: number,
    /** Whose leases: the projection's partitions, or another single worker's duty such as the inbox's. */
    kind = 'projection',
  ) {
    this.table = `${namespace}${kind}_leases`;
    this.workers = `${namespace}${kind}_workers`;
  }

  /** The lease tables and a row per partition, free; within the caller's transaction when given one. */
  async create(sql = this.sql): Promise<void> {
    await sql.run(`CREATE TABLE IF NOT EXISTS ${this.table} (version TEXT NOT NULL, partition INTEGER NOT NULL, owner TEXT, epoch BIGINT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (version, partition))`);
    await sql.run(`CREATE TABLE IF NOT EXISTS ${this.workers} (version TEXT NOT NULL, worker TEXT NOT NULL, seen_at BIGINT NOT NULL, PRIMARY KEY (version, worker))`);
    const rows = Array.from({ length: this.count }, (_, p) => [this.version, p, null, 0, 0]);
    await sql.insertMany(this.table, ['version', 'partition', 'owner', 'epoch', 'expires_at'], rows, 'ON CONFLICT DO NOTHING');
  }

  /**
   * Renews the leases held, then evens out: gives back what is above the fair share of the live
   * workers, or takes free partitions (never held, released, expired, or held by a dead process
   * on this host) up to it. `free` takes every free one and does not count as a live worker.
   */
  async keep(held: Held, claim: Claim): Promise<Kept> {
    const now = this.now();
    if (claim === 'share') {
      await this.sql.run(`INSERT INTO ${this.workers} (version, worker, seen_at) VALUES (?, ?, ${now}) ON CONFLICT (version, worker) DO UPDATE SET seen_at = excluded.seen_at`, [this.version, this.owner]);
    }
    const renewed = await this.sql.all<{ partition: number; epoch: number | string }>(
      `UPDATE ${this.table} SET expires_at = ${now} + ? WHERE version = ? AND owner = ? RETURNING partition, epoch`,
      [this.ttlMs, this.version, this.owner],
    );
    const current = new Map(renewed.map((r) => [Number(r.partition), Number(r.epoch)]));
    const lost = [...held].filter(([p, epoch]) => current.get(p) !== epoch).map(([p]) => p);
    for (const p of current.keys()) if (!held.has(p)) current.delete(p);
    const only = typeof claim === 'string' ? undefined : claim.filter((p) => !current.has(p));
    const share = claim === 'share' ? Math.ceil(this.count / (await this.live())) : only ? current.size + only.length : this.count;
    const released: number[] = [];
    if (current.size > share) {
      released.push(...[...current.keys()].sort((a, b) => b - a).slice(0, current.size - share));
      await this.release(released);
      for (const p of released) current.delete(p);
    }
    const taken = current.size < share && only?.length !== 0 ? await this.take(share - current.size, only) : new Map<number, number>();
    for (const [p, epoch] of taken) current.set(p, epoch);
    return { held: current, lost, released, taken };
  }

  /** Takes these partitions whoever holds them (a rebuild): their epochs move, so any other holder is fenced off. */
  async steal(partitions: readonly number[]): Promise<Map<number, number>> {
    const rows = await this.sql.all<{ partition: number; epoch: number | string }>(
      `UPDATE ${this.table} SET owner = ?, epoch = epoch + 1, expires_at = ${this.now()} + ? WHERE version = ? AND partition IN (${inList(partitions.length)}) RETURNING partition, epoch`,
      [this.owner, this.ttlMs, this.version, ...partitions],
    );
    return new Map(rows.map((r) => [Number(r.partition), Number(r.epoch)]));
  }

  async release(partitions: readonly number[]): Promise<void> {
    if (!partitions.length) return;
    await this.sql.run(`UPDATE ${this.table} SET owner = NULL, expires_at = 0 WHERE version = ? AND owner = ? AND partition IN (${inList(partitions.length)})`, [
      this.version,
      this.owner,
      ...partitions,
    ]);
  }

  /** Leaves: its leases become free at once and it no longer counts in the others' shares. */
  async leave(): Promise<void> {
    await this.sql.run(`UPDATE ${this.table} SET owner = NULL, expires_at = 0 WHERE version = ? AND owner = ?`, [this.version, this.owner]);
    await this.sql.run(`DELETE FROM ${this.workers} WHERE version = ? AND worker = ?`, [this.version, this.owner]);
  }

  /** Inside a batch's transaction: throws LeaseLost unless every lease held still has its epoch. */
  async fence(tx: Sql, held: Held): Promise<void> {
    if (!held.size) return;
    const lock = tx.dialect === 'postgres' ? ' FOR SHARE' : '';
    const rows = await tx.all<{ partition: number; owner: string | null; epoch: number | string }>(
      `SELECT partition, owner, epoch FROM ${this.table} WHERE version = ? AND partition IN (${inList(held.size)})${lock}`,
      [this.version, ...held.keys()],
    );
    const lost = rows.filter((r) => r.owner !== this.owner || Number(r.epoch) !== held.get(Number(r.partition))).map((r) => Number(r.partition));
    if (lost.length || rows.length !== held.size) throw new LeaseLost(lost.length ? lost : [...held.keys()]);
  }

  async holders(): Promise<{ partition: number; owner: string | null; epoch: number; expiresAt: number }[]> {
    const rows = await this.sql.all<{ partition: number; owner: string | null; epoch: number | string; expires_at: number | string }>(
      `SELECT partition, owner, epoch, expires_at FROM ${this.table} WHERE version = ? ORDER BY partition`,
      [this.version],
    );
    return rows.map((r) => ({ partition: Number(r.partition), owner: r.owner, epoch: Number(r.epoch), expiresAt: Number(r.expires_at) }));
  }

  /** Workers seen within the lease time, but those of this host whose process is gone. */
  private async live(): Promise<number> {
    const rows = await this.sql.all<{ worker: string }>(`SELECT worker FROM ${this.workers} WHERE version = ? AND seen_at > ${this.now()} - ?`, [this.version, this.ttlMs]);
    return Math.max(1, rows.filter((r) => !gone(r.worker)).length);
  }

  private async take(wanted: number, only?: readonly number[]): Promise<Map<number, number>> {
    const now = this.now();
    const dead = await this.deadOwners();
    const free = `(owner IS NULL OR expires_at < ${now}${dead.length ? ` OR owner IN (${inList(dead.length)})` : ''})${only ? ` AND partition IN (${inList(only.length)})` : ''}`;
    const params = [...dead, ...(only ?? [])];
    // Re-checked on the row itself: two workers picking the same partition at once, one gets it.
    const pick = this.sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.sql.all<{ partition: number; epoch: number | string }>(
      `UPDATE ${this.table} SET owner = ?, epoch = epoch + 1, expires_at = ${now} + ?
       WHERE version = ? AND ${free} AND partition IN (SELECT partition FROM ${this.table} WHERE version = ? AND ${free} ORDER BY partition LIMIT ?${pick})
       RETURNING partition, epoch`,
      [this.owner, this.ttlMs, this.version, ...params, this.version, ...params, wanted],
    );
    return new Map(rows.map((r) => [Number(r.partition), Number(r.epoch)]));
  }

  /** Holders that ran in a process of this host which has exited: their partitions need not wait out the lease. */
  private async deadOwners(): Promise<string[]> {
    const rows = await this.sql.all<{ owner: string }>(`SELECT DISTINCT owner FROM ${this.table} WHERE version = ? AND owner IS NOT NULL AND owner <> ?`, [this.version, this.owner]);
    return rows.map((r) => r.owner).filter(gone);
  }

  private now(): string {
    return this.sql.dialect === 'postgres' ? '(extract(epoch from clock_timestamp()) * 1000)::bigint' : "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
  }
}

/** A worker of this host whose process has exited. */
function gone(worker: string): boolean {
  const [host, pid] = worker.split(':');
  return host === hostname() && Number(pid) !== process.pid && !alive(Number(pid));
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
