import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { formatPosition } from '../event-store/position.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ProjectionRunner } from './projection.runner.js';
import type { RunnerMessage } from './projection.worker.js';

/**
 * Runs the projection runner beside the HTTP server: in a worker thread by default, or on the
 * server's own event loop (`inline`). Shutdown stops it after the batch in hand, whose
 * transaction commits whole, before the stores close.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private worker: Worker | undefined;

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.projections === 'thread') this.running = this.threaded();
    if (this.config.projections === 'inline') this.running = this.inline();
  }

  private async inline(): Promise<void> {
    await this.runner.followRetrying(
      this.abort.signal,
      (report) => this.batch(report.events, this.runner.position.events),
      (error) => this.failed(error),
    );
    this.logger.info({ position: formatPosition(this.runner.position.position), events: this.runner.position.events }, 'projection runner stopped after its last batch');
  }

  /** A thread that dies (it should not: batches retry inside it) is started again after a second. */
  private async threaded(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const worker = new Worker(new URL('./projection.worker.js', import.meta.url), { workerData: this.config });
      this.worker = worker;
      worker.on('message', (message: RunnerMessage) => {
        if (message.type === 'failed') this.failed(message.error);
        else this.batch(message.events, message.checkpointEvents);
      });
      const code = await new Promise<number>((resolve) => {
        worker.on('error', (error) => this.failed(error));
        worker.on('exit', resolve);
      });
      if (this.abort.signal.aborted) break;
      this.logger.error({ code }, 'projection thread exited; starting it again');
      await sleep(1_000, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
    this.logger.info('projection thread stopped after its last batch');
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
    this.worker?.postMessage('stop');
    await this.running;
  }
}
