import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { LedgerError } from '../common/ledger-error.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { EventStore } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions } from '../event-store/position.js';
import type { FailureRecord } from './failures/failure-log.js';
import { listFailures, requestRetry } from './failures/failure-log.js';
import type { LedgerProcessor, ProcessorSetup } from './ledger-processor.js';
import type { Claim } from './processor/leases.js';
import { openProcessor, prepareVersion, rebuildContext, resetVersion } from './ledger-processor.js';
import { planRebuild } from './rebuild/rebuild-plan.js';
import { finishRebuild, rebuildWorker } from './rebuild/rebuild.js';
import { allPartitions } from './processor/partitions.js';
import { deal, runThreads } from './processor/threads.js';
import type { ProjectionMessage, ProjectionTask } from './projection.worker.js';
import { READ_MODELS_READY, READ_NAMESPACE, READ_SQL } from './read-model.factory.js';
import { PROJECTION_VERSION, ReadModelTables } from './read-model.schema.js';
import type { Sql } from './sql.js';

const WORKER = new URL('./projection.worker.js', import.meta.url);

export interface JobOptions {
  /** Threads sharing the partitions; 1 runs in this thread. */
  readonly workers?: number;
  /** Events of the log read so far (by the slowest worker), as batches end. */
  readonly onProgress?: (events: number) => void;
}

export interface RetryOutcome {
  readonly requested: readonly string[];
  /** Failures still on record after their partitions' owners tried them again. */
  readonly remaining: readonly FailureRecord[];
}

/**
 * The jobs a CLI or an operator runs on the read models of this engine version: catch up with
 * the log, rebuild it, list the failures and retry them.
 */
@Injectable()
export class Projections {
  readonly tables: ReadModelTables;

  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(READ_SQL) private readonly sql: Sql,
    @Inject(READ_NAMESPACE) private readonly namespace: string,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_MODELS_READY) _ready: ReadModelTables,
  ) {
    this.tables = new ReadModelTables(namespace, PROJECTION_VERSION);
  }

  private setup(): Omit<ProcessorSetup, 'claim'> {
    return { store: this.store, sql: this.sql, namespace: this.namespace, tuning: this.config, clock: this.clock };
  }

  /** A worker of this version's processor, in this thread. */
  open(claim: Claim, settleIntervalMs?: number): Promise<LedgerProcessor> {
    return openProcessor({ ...this.setup(), claim, ...(settleIntervalMs !== undefined ? { settleIntervalMs } : {}) });
  }

  /**
   * Brings every partition up to where the log ends now: those nobody holds, in threads of this
   * process; those another worker holds (a server's), by waiting for it. Fails after the timeout.
   */
  async catchUp(options: JobOptions = {}, timeoutMs = 120_000): Promise<{ events: number }> {
    const head = await this.store.lastPosition();
    const deadline = Date.now() + timeoutMs;
    const { registry } = await prepareVersion(this.sql, this.namespace, PROJECTION_VERSION, this.config);
    if ((options.workers ?? 1) > 1) {
      const tasks = deal(allPartitions(this.tables.partitions), options.workers!).map((partitions): ProjectionTask => ({ kind: 'catch-up', config: this.config, partitions }));
      // Each thread reads the whole log for its partitions: the slowest says how far they all are.
      await runThreads<ProjectionMessage>(WORKER, tasks, progress(options, tasks.length, (read) => Math.min(...read)));
    }
    const { processor } = await this.open('free');
    try {
      for (;;) {
        await processor.catchUp(() => options.onProgress?.(processor.reading?.events ?? 0));
        await processor.leave();
        const behind = [...(await this.tables.checkpoints.read(this.sql)).values()].filter((c) => comparePositions(c.position, head) < 0);
        if (!behind.length) break;
        if (Date.now() > deadline) {
          throw new LedgerError('PROJECTION_BEHIND', `${behind.length} partitions held by another worker have not reached the end of the log after ${timeoutMs / 1000} s`, 503);
        }
        await sleep(100);
      }
      // Workers committing their last batches at once each see the other's partitions not caught up yet, and none switches
      // the version live: the job does, every partition being at the end of the log it found, so that what it reads next is there.
      await this.sql.transaction(async (tx) => {
        const checkpoints = [...(await this.tables.checkpoints.read(tx)).values()];
        const reached = checkpoints.length === this.tables.partitions && checkpoints.every((c) => comparePositions(c.position, head) >= 0);
        if (reached && (await registry.status(tx, this.tables.version)) === 'building') await registry.switchTo(tx, this.tables.version, this.clock().toISOString());
      });
    } finally {
      await processor.leave();
    }
    return { events: await this.events(head) };
  }

  /**
   * Drops this version's read models and replays the log from position 0, its partitions dealt
   * out to `workers` threads. Any other worker is fenced off first and waits until it is done.
   */
  async rebuild(options: JobOptions = {}): Promise<{ events: number }> {
    const { leases, tables, registry } = await prepareVersion(this.sql, this.namespace, PROJECTION_VERSION, this.config);
    const partitions = allPartitions(tables.partitions);
    await leases.steal(partitions);
    await resetVersion(this.sql, this.namespace);
    const plan = await planRebuild(this.store, options.workers ?? 1, partitions);
    let threadEvents: number;
    if (plan.hands.length === 1) threadEvents = (await rebuildWorker(await rebuildContext(this.setup()), plan.hands[0]!, plan.ranges[0]!, plan.end, options.onProgress)).events;
    else {
      const tasks = plan.hands.map((hand, i): ProjectionTask => ({ kind: 'rebuild', config: this.config, partitions: hand, ranges: plan.ranges[i]!, end: plan.end }));
      // Each thread reads its own threads of the log: together they have read the sum.
      const done = await runThreads<ProjectionMessage>(WORKER, tasks, progress(options, tasks.length, (read) => read.reduce((a, b) => a + b, 0)));
      threadEvents = done.reduce((sum, m) => sum + (m.type === 'done' ? m.events : 0), 0);
    }
    const events = await finishRebuild(this.sql, tables, leases, plan, threadEvents, (tx) => registry.switchTo(tx, tables.version, this.clock().toISOString()));
    return { events };
  }

  failures(ids?: readonly string[]): Promise<FailureRecord[]> {
    return listFailures(this.sql, this.tables, ids);
  }

  /**
   * Asks the owners of the failures' partitions to fold or rate them again, then waits (up to the
   * timeout) until each is cleared or tried once more. A job (`work`) also does it for the
   * partitions nobody holds; a request to a server leaves that to the server's workers.
   */
  async retry(ids: readonly string[] | 'all', work: boolean, timeoutMs = 10_000): Promise<RetryOutcome> {
    const known = new Set((await this.failures(ids === 'all' ? undefined : ids)).map((f) => f.id));
    const unknown = ids === 'all' ? [] : ids.filter((id) => !known.has(id));
    if (unknown.length) throw new LedgerError('FAILURE_UNKNOWN', `no projection failure ${unknown.join(', ')}`, 404, 'failureId');
    const requested = await requestRetry(this.sql, this.tables, ids);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (work) {
        const { processor } = await this.open('free', 0);
        await processor.catchUp();
        await processor.leave();
      }
      const remaining = await listFailures(this.sql, this.tables, requested);
      if (remaining.every((f) => !f.retryRequested) || Date.now() > deadline) return { requested, remaining };
      await sleep(100);
    }
  }

  private async events(head: Position): Promise<number> {
    const checkpoints = [...(await this.tables.checkpoints.read(this.sql)).values()];
    return Math.max(0, ...checkpoints.filter((c) => comparePositions(c.position, head) >= 0).map((c) => c.events));
  }
}

/** Progress of several threads: what each has read so far, told as one figure. */
function progress(options: JobOptions, threads: number, combine: (read: readonly number[]) => number): (message: ProjectionMessage, thread: number) => void {
  const read = new Array<number>(threads).fill(0);
  return (message, thread) => {
    if (message.type !== 'batch') return;
    read[thread] = message.checkpointEvents;
    options.onProgress?.(combine(read));
  };
}
