import { Global, Inject, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import type { LedgerConfig } from '../config/ledger.config.js';
import { EventStore } from '../event-store/event-store.port.js';
import { FailuresController } from './failures/failures.controller.js';
import { prepareVersion } from './ledger-processor.js';
import { openReadModelSql, READ_MODELS_READY, READ_NAMESPACE, READ_SQL } from './read-model.factory.js';
import { ProjectionRegistry } from './read-model.schema.js';
import { ProjectionService } from './projection.service.js';
import { Projections } from './projections.js';
import { ReadModelReader } from './read-model.reader.js';
import type { Sql } from './sql.js';
import { ExplainThreadHandler } from './queries/explain-thread.query.js';
import { GetDraftHandler } from './queries/get-draft.query.js';
import { GetReconciliationHandler } from './queries/get-reconciliation.query.js';
import { GetUnitsHandler } from './queries/get-units.query.js';
import { ListAccountsHandler } from './queries/list-accounts.query.js';
import { ListMonthsHandler } from './queries/list-months.query.js';
import { GetWindowsHandler } from './queries/get-windows.query.js';

@Global()
@Module({})
export class ReadModelsModule implements OnApplicationShutdown {
  constructor(@Inject(READ_SQL) private readonly sql: Sql) {}

  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: ReadModelsModule,
      controllers: [FailuresController],
      providers: [
        { provide: READ_SQL, useFactory: () => openReadModelSql(config).sql },
        { provide: READ_NAMESPACE, useFactory: () => openReadModelSql(config).namespace },
        { provide: ProjectionRegistry, useFactory: () => new ProjectionRegistry(openReadModelSql(config).namespace) },
        {
          provide: READ_MODELS_READY,
          // After the event store, which creates the PostgreSQL schema both share.
          inject: [READ_SQL, READ_NAMESPACE, EventStore],
          useFactory: async (sql: Sql, namespace: string) => (await prepareVersion(sql, namespace, undefined, config)).tables,
        },
        {
          provide: ReadModelReader,
          inject: [READ_SQL, ProjectionRegistry, EventStore, READ_MODELS_READY],
          useFactory: (sql: Sql, registry: ProjectionRegistry, store: EventStore) => new ReadModelReader(sql, registry, store),
        },
        Projections,
        ProjectionService,
        GetWindowsHandler,
        GetUnitsHandler,
        ListAccountsHandler,
        ListMonthsHandler,
        GetDraftHandler,
        ExplainThreadHandler,
        GetReconciliationHandler,
      ],
      exports: [READ_SQL, READ_NAMESPACE, ProjectionRegistry, ReadModelReader, Projections],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sql.close();
  }
}
