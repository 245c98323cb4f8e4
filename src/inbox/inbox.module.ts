import { Global, Module } from '@nestjs/common';
import { READ_NAMESPACE, READ_SQL } from '../read-models/read-model.factory.js';
import type { Sql } from '../read-models/sql.js';
import { InboxState } from './inbox-state.js';
import { InboxController } from './inbox.controller.js';
import { InboxProcessor } from './inbox.processor.js';

@Global()
@Module({
  controllers: [InboxController],
  providers: [
    {
      provide: InboxState,
      inject: [READ_SQL, READ_NAMESPACE],
      useFactory: async (sql: Sql, namespace: string) => {
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
