import { Global, Inject, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import type { LedgerConfig } from '../config/ledger.config.js';
import { openEventStore } from './event-store.factory.js';
import { EventStore } from './event-store.port.js';

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

@Global()
@Module({})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        { provide: EventStore, useFactory: () => openEventStore(config) },
      ],
      exports: [EventStore, LEDGER_CONFIG],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
