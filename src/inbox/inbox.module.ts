import { Global, Inject, Module } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { AccountDirectory } from '../accounts/account-directory.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { LOGGER } from '../common/logger.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { EventStore } from '../event-store/event-store.port.js';
import { Metrics } from '../metrics/metrics.service.js';
import { openInboxSql, readModelsInPostgres } from '../read-models/read-model.factory.js';
import { InboxRunner } from './inbox-runner.service.js';
import { InboxState } from './inbox-state.js';
import { InboxController } from './inbox.controller.js';
import { InboxProcessor } from './inbox.processor.js';

@Global()
@Module({
  controllers: [InboxController],
  providers: [
    {
      provide: InboxState,
      // After the event store, which creates the PostgreSQL schema under its lock.
      inject: [LEDGER_CONFIG, EventStore],
      useFactory: async (config: LedgerConfig) => {
        const { sql, namespace } = openInboxSql(config);
        const state = new InboxState(sql, namespace);
        await state.init();
        return state;
      },
    },
    {
      provide: InboxProcessor,
      inject: [EventStore, AccountDirectory, InboxState, CLOCK, LOGGER, Metrics],
      useFactory: (store: EventStore, directory: AccountDirectory, state: InboxState, clock: Clock, logger: Logger, metrics: Metrics) =>
        new InboxProcessor(store, directory, state, clock, logger, (count) => metrics.webhookParked.set(count)),
    },
    InboxRunner,
  ],
  exports: [InboxState, InboxProcessor, InboxRunner],
})
export class InboxModule implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  /** In SQLite the inbox's records have a file and connection of their own; in PostgreSQL the read models' module closes theirs. */
  async onApplicationShutdown(): Promise<void> {
    if (!readModelsInPostgres(this.config)) await openInboxSql(this.config).sql.close();
  }
}
