import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { Metrics } from '../metrics/metrics.service.js';
import { InboxState } from './inbox-state.js';
import { followInbox, inboxLease } from './inbox-follower.js';
import { InboxProcessor } from './inbox.processor.js';
import type { InboxMessage } from './inbox.worker.js';

/**
 * Follows the inbox beside the HTTP server: in a thread of its own by default, or on the server's
 * event loop (`LEDGER_INBOX=inline`, and always when the server was given its own clock, which
 * cannot cross into a thread). A thread that dies is started again after a second.
 */
@Injectable()
export class InboxRunner implements BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private worker: Worker | undefined;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly processor: InboxProcessor,
    private readonly state: InboxState,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  start(mode: 'thread' | 'inline' = this.config.inbox): void {
    this.running ??= mode === 'thread' ? this.threaded() : this.inline();
  }

  private async inline(): Promise<void> {
    const { sql } = this.state;
    const lease = await inboxLease(sql, this.state.namespace, this.config.projectionLeaseMs);
    await followInbox(this.processor, lease, this.abort.signal, this.logger, this.config.projectionLeaseMs);
  }

  private async threaded(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const worker = new Worker(new URL('./inbox.worker.js', import.meta.url), { workerData: this.config });
      this.worker = worker;
      worker.on('message', (message: InboxMessage) => this.metrics.webhookParked.set(message.count));
      const code = await new Promise<number>((resolve) => {
        worker.on('error', (error) => this.logger.error({ err: error }, 'inbox thread failed'));
        worker.on('exit', resolve);
      });
      this.worker = undefined;
      if (this.abort.signal.aborted) break;
      this.logger.error({ code }, 'inbox thread exited; starting it again');
      await sleep(1_000, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  /** Before the stores close: the page in hand is recorded, and the lease given back. */
  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    this.worker?.postMessage('stop');
    await this.running;
  }
}
