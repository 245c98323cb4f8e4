import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BatchModule } from './batch/batch.module.js';
import { CLOCK, systemClock } from './common/clock.js';
import type { Clock } from './common/clock.js';
import { LOGGER } from './common/logger.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { LedgerConfig } from './config/ledger.config.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { HealthModule } from './health/health.module.js';
import { InboxModule } from './inbox/inbox.module.js';
import { InvoicesModule } from './invoices/invoices.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RateCardsModule } from './rate-cards/rate-cards.module.js';
import { ReadModelsModule } from './read-models/read-models.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

export interface AppOptions {
  readonly clock?: Clock;
  readonly logger: Logger;
}

@Module({})
export class AppModule {
  static forRoot(config: LedgerConfig, options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        CqrsModule.forRoot(),
        EventStoreModule.forRoot(config),
        ReadModelsModule.forRoot(config),
        AuthModule.forRoot(config),
        MetricsModule,
        HealthModule,
        InboxModule,
        AccountsModule,
        MessagesModule,
        RateCardsModule,
        BatchModule,
        WebhooksModule,
        InvoicesModule,
        AuditModule,
      ],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: LOGGER, useValue: options.logger },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
      exports: [CLOCK, LOGGER],
    };
  }
}
