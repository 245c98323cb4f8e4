import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { ProjectionMessage, ProjectionTask } from './projection.worker.js';
import { Projections } from './projections.js';

/**
 * Runs the projection processor beside the HTTP server: `LEDGER_PROJECTION_WORKERS` worker
 * threads by default, each taking its share of the partitions, or one worker on the server's own
 * event loop (`inline`). Shutdown lets each worker's batch in hand commit and give its leases
 * back before the stores close.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private running: Promise<unknown> | undefined;
  private readonly workers = new Set<Worker>();

  constructor(
    private readonly projections: Projections,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.projections === 'thread') this.running = Promise.all(Array.from({ length: this.config.projectionWorkers }, () => this.threaded()));
    if (this.config.projections === 'inline') this.running = this.inline();
  }

  private async inline(): Promise<void> {
    const { processor } = await this.projections.open('share');
    await processor.followRetrying(
      this.abort.signal,
      (report) => this.batch(report.events, processor.reading?.events ?? 0),
      (error) => this.failed(error),
    );
    await processor.leave();
    this.logger.info({ events: processor.reading?.events }, 'projection worker stopped after its last batch');
  }

  /** A thread that dies (it should not: batches retry inside it) is started again after a second; its partitions wait for it or go to the others. */
  private async threaded(): Promise<void> {
    const task: ProjectionTask = { kind: 'follow', config: this.config };
    while (!this.abort.signal.aborted) {
      const worker = new Worker(new URL('./projection.worker.js', import.meta.url), { workerData: task });
      this.workers.add(worker);
      worker.on('message', (message: ProjectionMessage) => {
        if (message.type === 'failed') this.failed(message.error);
        else if (message.type === 'batch') this.batch(message.events, message.checkpointEvents);
      });
      const code = await new Promise<number>((resolve) => {
        worker.on('error', (error) => this.failed(error));
        worker.on('exit', resolve);
      });
      this.workers.delete(worker);
      if (this.abort.signal.aborted) break;
      this.logger.error({ code }, 'projection thread exited; starting it again');
      await sleep(1_000, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private batch(events: number, checkpointEvents: number): void {
    this.metrics.projected.inc(events);
    this.metrics.projectionEvents.set(checkpointEvents);
  }

  private failed(error: unknown): void {
    this.metrics.projectionFailures.inc();
    this.logger.error({ err: error }, 'projection batch failed; retrying from the last checkpoint');
  }

  /** Before any module closes its store: the batch in hand still has both ends open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    for (const worker of this.workers) worker.postMessage('stop');
    await this.running;
    this.logger.info('projection workers stopped after their last batch');
  }
}
