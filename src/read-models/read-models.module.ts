import { Global, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import type { LedgerConfig } from '../config/ledger.config.js';
import { EventStore } from '../event-store/event-store.port.js';
import { openReadModelSql } from './read-model.factory.js';
import { ProjectionRunner, runnerOptions } from './projection.runner.js';
import { ProjectionService } from './projection.service.js';
import { ReadModelReader } from './read-model.reader.js';
import { PROJECTION_VERSION, ProjectionRegistry, ReadModelTables } from './read-model.schema.js';
import { READ_SQL } from './read-model.factory.js';
import type { Sql } from './sql.js';
import { ExplainThreadHandler } from './queries/explain-thread.query.js';
import { GetDraftHandler } from './queries/get-draft.query.js';
import { GetReconciliationHandler } from './queries/get-reconciliation.query.js';
import { GetUnitsHandler } from './queries/get-units.query.js';
import { GetWindowsHandler } from './queries/get-windows.query.js';
import { Inject } from '@nestjs/common';

@Global()
@Module({})
export class ReadModelsModule implements OnApplicationShutdown {
  constructor(@Inject(READ_SQL) private readonly sql: Sql) {}

  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: ReadModelsModule,
      providers: [
        { provide: READ_SQL, useFactory: () => openReadModelSql(config).sql },
        { provide: ProjectionRegistry, useFactory: () => new ProjectionRegistry(openReadModelSql(config).namespace) },
        {
          provide: ProjectionRunner,
          inject: [EventStore, READ_SQL, ProjectionRegistry],
          useFactory: async (store: EventStore, sql: Sql, registry: ProjectionRegistry) => {
            const runner = new ProjectionRunner(store, sql, new ReadModelTables(registry.namespace, PROJECTION_VERSION), registry, runnerOptions(config));
            await runner.init();
            return runner;
          },
        },
        {
          provide: ReadModelReader,
          inject: [READ_SQL, ProjectionRegistry, EventStore, ProjectionRunner],
          // After the runner, which creates the tables it reads.
          useFactory: (sql: Sql, registry: ProjectionRegistry, store: EventStore) => new ReadModelReader(sql, registry, store),
        },
        ProjectionService,
        GetWindowsHandler,
        GetUnitsHandler,
        GetDraftHandler,
        ExplainThreadHandler,
        GetReconciliationHandler,
      ],
      exports: [READ_SQL, ProjectionRegistry, ProjectionRunner, ReadModelReader],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sql.close();
  }
}
