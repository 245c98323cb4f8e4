import { Global, Inject, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { EventStore } from '../event-store/event-store.port.js';
import { openKeySql, readModelsInPostgres } from '../read-models/read-model.factory.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeys } from './api-key.repository.js';
import { AuthController } from './auth.controller.js';
import { CreateApiKeyHandler } from './create-api-key/create-api-key.handler.js';

@Global()
@Module({})
export class AuthModule implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: AuthModule,
      // authenticateOnArrival finds the routes that need a key among the controllers.
      imports: [DiscoveryModule],
      controllers: [AuthController],
      providers: [
        {
          provide: ApiKeys,
          // After the event store, which creates the PostgreSQL schema under its lock.
          inject: [EventStore],
          useFactory: async () => {
            const { sql, namespace } = openKeySql(config);
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

  /** In SQLite the keys have a connection of their own; in PostgreSQL it is the read models', which that module closes. */
  async onApplicationShutdown(): Promise<void> {
    if (!readModelsInPostgres(this.config)) await openKeySql(this.config).sql.close();
  }
}
