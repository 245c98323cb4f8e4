import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import { comparePositions } from '../../event-store/position.js';
import type { Sql } from '../sql.js';
import type { Checkpoint, Checkpoints } from './checkpoints.js';
import type { Claim, Held, Leases } from './leases.js';
import { LeaseLost } from './leases.js';
import { Writes } from './writes.js';
import type { Cohort, Reading } from './cohorts.js';
import { Cohorts } from './cohorts.js';
import type { ProjectorFactory, Settled, VersionSwitch } from './projector.js';

export interface ProcessorOptions {
  /** Events per read of the log; a page is folded at a time. */
  readonly batchSize?: number;
  /** While catching up, pages share a transaction until this many events. */
  readonly commitEvery?: number;
  /** ...or until they have taken this long: a read waiting for a position waits at most about this for a commit. */
  readonly commitMs?: number;
  /** Settle (rate) at least every this many events while catching up. */
  readonly settleEvery?: number;
  /** Once caught up, settle at most this often. */
  readonly settleIntervalMs?: number;
  /** `share`: a long-running worker taking its fair share; `free`: a job taking whatever nobody holds; a list: these, if free. */
  readonly claim?: Claim;
}

export interface BatchReport {
  readonly events: number;
  readonly folded: number;
  readonly settled: number;
  readonly incremental: number;
  readonly position: Position;
  readonly caughtUp: boolean;
  readonly partitions: readonly number[];
}

/**
 * Keeps the partitions a worker holds current with the log: reads it in pages, groups pages into
 * commits, writes each partition's checkpoint in the transaction of its read models (fenced by
 * the leases), retries after a store error, and switches the version live once every partition
 * has caught up. Partitions at one position form a cohort and share one read of the log; a
 * partition taken over at another position catches up apart, then joins its cohort.
 */
export class Processor {
  private readonly held = new Map<number, number>();
  private readonly cohorts: Cohorts;
  private leasesDue = 0;
  private live = false;
  private stale = false;
  private readonly batchSize: number;
  private readonly commitEvery: number;
  private readonly commitMs: number;
  private readonly settleEvery: number;
  private readonly settleIntervalMs: number;
  private readonly claim: Claim;

  constructor(
    private readonly store: EventStore,
    private readonly sql: Sql,
    private readonly checkpoints: Checkpoints,
    readonly leases: Leases,
    private readonly factory: ProjectorFactory,
    private readonly version: VersionSwitch,
    private readonly leaseMs: number,
    options: ProcessorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2_000;
    this.commitEvery = Math.max(options.commitEvery ?? 100_000, this.batchSize);
    this.commitMs = options.commitMs ?? 1_000;
    // Settling re-rates whole months while catching up (units arrive out of charge order across
    // pages): each settle costs the months, not the events, so a catch-up settles rarely.
    this.settleEvery = options.settleEvery ?? 1_000_000;
    this.settleIntervalMs = options.settleIntervalMs ?? 1_000;
    this.claim = options.claim ?? 'share';
    this.cohorts = new Cohorts(sql, checkpoints, factory);
  }

  get partitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** How far the partitions held have read: the lowest cohort's position. */
  get reading(): Reading | undefined {
    return this.cohorts.lowest?.at;
  }

  /** Takes these partitions whoever holds them (a rebuild). */
  async steal(partitions: readonly number[]): Promise<void> {
    const taken = await this.leases.steal(partitions);
    this.leasesDue = performance.now() + this.leaseMs / 3;
    await this.adopt(taken);
  }

  /** Renews and evens out the leases when due; a partition lost or given back leaves its cohort. */
  async keepLeases(force = false): Promise<void> {
    if (!force && performance.now() < this.leasesDue) return;
    const kept = await this.leases.keep(this.held, this.claim);
    this.leasesDue = performance.now() + this.leaseMs / 3;
    await this.drop([...kept.lost, ...kept.released]);
    await this.adopt(kept.taken);
  }

  /** Gives every lease back, so another worker takes the partitions at once. */
  async leave(): Promise<void> {
    await this.leases.leave();
    this.held.clear();
    this.cohorts.clear();
  }

  /** One batch of the lowest cohort; undefined when this worker holds nothing. */
  async step(settleNow = false): Promise<BatchReport | undefined> {
    if (this.stale) {
      await this.cohorts.reopen();
      this.stale = false;
    }
    await this.keepLeases();
    const cohort = this.cohorts.lowest;
    if (!cohort) return undefined;
    try {
      return await this.batch(cohort, this.cohorts.next, settleNow);
    } catch (error) {
      if (!(error instanceof LeaseLost)) {
        // Projectors may hold part of a batch that never committed: they start again from the
        // tables, before anything else is done (with the store away, reopening now would fail too).
        this.stale = true;
        throw error;
      }
      await this.drop(error.partitions);
      return undefined;
    }
  }

  /** Whether every cohort has caught up with the log and has nothing deferred. */
  get idle(): boolean {
    return this.cohorts.list.every((c) => c.caughtUp && c.marked && c.projector.waiting.size === 0);
  }

  /** Processes until every partition held is caught up and settled. */
  async catchUp(onBatch?: (report: BatchReport) => void): Promise<void> {
    await this.keepLeases(true);
    while (this.cohorts.lowest) {
      const caughtUp = this.cohorts.list.every((c) => c.caughtUp);
      if (caughtUp && this.idle) return;
      const report = await this.step(caughtUp);
      if (report && report.events > 0) onBatch?.(report);
    }
  }

  /** Follows the log until the signal aborts; an abort lets the batch in hand finish. */
  async follow(signal: AbortSignal, onBatch?: (report: BatchReport) => void, idleMs = 50): Promise<void> {
    while (!signal.aborted) {
      const report = await this.step();
      if (report && report.events > 0) onBatch?.(report);
      // Nothing new in the log: wait, even with a rating due (it is due by the clock, not by the log).
      if (!report || (report.caughtUp && report.events === 0)) await sleep(idleMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Follows the log as a server does: a store error is reported and the batch tried again a second later. */
  async followRetrying(signal: AbortSignal, onBatch: (report: BatchReport) => void, onFailure: (error: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.follow(signal, onBatch);
      } catch (error) {
        onFailure(error);
        await sleep(1_000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async batch(cohort: Cohort, cap: Position | undefined, settleNow: boolean): Promise<BatchReport> {
    const writes = new Writes();
    const start = cohort.at;
    let end = start.position;
    let events = 0;
    let folded = 0;
    let shared = false;
    let caughtUp: boolean;
    const began = performance.now();
    for (;;) {
      const page = await this.read(end, cap);
      const pageEnd = page.events.length ? page.events[page.events.length - 1]!.position : end;
      caughtUp = !page.full && !page.capped;
      const report = await cohort.projector.page(page.events, pageEnd, writes);
      folded += report.folded;
      shared ||= report.shared;
      events += page.events.length;
      end = pageEnd;
      if (!page.full || page.capped || events >= this.commitEvery || performance.now() - began >= this.commitMs) break;
    }
    const at: Reading = { position: end, events: start.events + events, settings: shared ? end : start.settings };
    cohort.caughtUp = caughtUp;
    cohort.sinceSettle += events;
    const next = new Map<number, Checkpoint>();
    for (const [p, c] of cohort.checkpoints) next.set(p, { ...at, rated: cohort.projector.waiting.has(p) ? c.rated : end });
    const mark = caughtUp && !cohort.marked;
    if (events > 0 || writes.size > 0 || mark) await this.commit(cohort, writes, next, caughtUp);
    cohort.at = at;
    let settled: Settled = { written: 0, incremental: 0 };
    const waiting = cohort.projector.waiting.size > 0;
    if (waiting && (settleNow || cohort.sinceSettle >= this.settleEvery || (caughtUp && performance.now() - cohort.settledAt >= this.settleIntervalMs))) {
      const later = new Writes();
      settled = await cohort.projector.settle(end, later);
      const rated = new Map([...cohort.checkpoints].map(([p, c]) => [p, { ...c, rated: end }]));
      await this.commit(cohort, later, rated, caughtUp);
      cohort.sinceSettle = 0;
      cohort.settledAt = performance.now();
    }
    await this.cohorts.merge();
    return { events, folded, settled: settled.written, incremental: settled.incremental, position: end, caughtUp, partitions: [...cohort.partitions] };
  }

  /** One transaction: the fence, the queued writes, the checkpoints; and the version goes live once every partition caught up. */
  private async commit(cohort: Cohort, writes: Writes, next: Map<number, Checkpoint>, caughtUp: boolean): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await this.leases.fence(tx, this.heldOf(cohort));
      await writes.apply(tx);
      await this.checkpoints.write(tx, next, caughtUp);
      if (caughtUp && !this.live && (await this.version.status(tx)) === 'building' && (await this.checkpoints.allCaughtUp(tx))) await this.version.goLive(tx);
    });
    cohort.projector.committed();
    for (const [p, c] of next) cohort.checkpoints.set(p, c);
    if (caughtUp) cohort.marked = true;
    if (caughtUp && !this.live) this.live = (await this.version.status(this.sql)) === 'live';
  }

  /** A page after `after`, never past `cap` (where the next cohort stands: the two then meet and merge). */
  private async read(after: Position, cap: Position | undefined): Promise<{ events: StoredEvent[]; full: boolean; capped: boolean }> {
    const events = await this.store.readAllPage(after, this.batchSize);
    const full = events.length === this.batchSize;
    if (!cap) return { events, full, capped: false };
    const within = events.filter((e) => comparePositions(e.position, cap) <= 0);
    const reached = within.length < events.length || (within.length > 0 && comparePositions(within[within.length - 1]!.position, cap) === 0);
    return { events: within, full, capped: reached || comparePositions(after, cap) >= 0 };
  }

  private heldOf(cohort: Cohort): Held {
    return new Map([...cohort.partitions].map((p) => [p, this.held.get(p)!]));
  }

  private async adopt(taken: ReadonlyMap<number, number>): Promise<void> {
    for (const [p, epoch] of taken) this.held.set(p, epoch);
    await this.cohorts.add([...taken.keys()]);
  }

  private async drop(partitions: readonly number[]): Promise<void> {
    for (const p of partitions) this.held.delete(p);
    await this.cohorts.remove(partitions);
  }
}
