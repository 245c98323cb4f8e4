import { Global, Module } from '@nestjs/common';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { EventStore } from '../event-store/event-store.port.js';
import { openKeySql } from '../read-models/read-model.factory.js';
import { InboxState } from './inbox-state.js';
import { InboxController } from './inbox.controller.js';
import { InboxProcessor } from './inbox.processor.js';

@Global()
@Module({
  controllers: [InboxController],
  providers: [
    {
      provide: InboxState,
      // Beside the events (as API keys are), not the read models: in SQLite the runner's thread
      // writes those, and a write waiting for its lock would hold up the thread that serves requests.
      inject: [LEDGER_CONFIG, EventStore],
      useFactory: async (config: LedgerConfig) => {
        const { sql, namespace } = openKeySql(config);
        const state = new InboxState(sql, namespace);
        await state.init();
        return state;
      },
    },
    InboxProcessor,
  ],
  exports: [InboxState, InboxProcessor],
})
export class InboxModule {}
