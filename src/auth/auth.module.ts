import { Global, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { LedgerConfig } from '../config/ledger.config.js';
import { EventStore } from '../event-store/event-store.port.js';
import { openReadModelSql } from '../read-models/read-model.factory.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeys } from './api-key.repository.js';
import { AuthController } from './auth.controller.js';
import { CreateApiKeyHandler } from './create-api-key/create-api-key.handler.js';

@Global()
@Module({})
export class AuthModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: AuthModule,
      controllers: [AuthController],
      providers: [
        {
          provide: ApiKeys,
          // After the event store, which creates the PostgreSQL schema under its lock.
          inject: [EventStore],
          useFactory: async () => {
            const { sql, namespace } = openReadModelSql(config);
            const keys = new ApiKeys(sql, namespace, config.adminKey);
            await keys.init();
            return keys;
          },
        },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        CreateApiKeyHandler,
      ],
      exports: [ApiKeys],
    };
  }
}
