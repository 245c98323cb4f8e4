import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { formatPosition } from '../event-store/position.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ProjectionRunner } from './projection.runner.js';

/**
 * Runs the projection runner beside the HTTP server. Shutdown aborts the follow loop, which
 * finishes the batch in hand (its transaction commits whole) before the stores close.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.projections) return;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.runner.follow(this.abort.signal, (report) => {
          this.metrics.projected.inc(report.events);
          this.metrics.projectionEvents.set(this.runner.position.events);
        });
      } catch (error) {
        this.metrics.projectionFailures.inc();
        this.logger.error({ err: error }, 'projection batch failed; retrying from the last checkpoint');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /** Before any module closes its store: the batch in hand still has both ends open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.running) this.logger.info({ position: formatPosition(this.runner.position.position), events: this.runner.position.events }, 'projection runner stopped after its last batch');
  }
}
