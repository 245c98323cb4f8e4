import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppModule } from '../app.module.js';
import type { Clock } from '../common/clock.js';
import { createLogger, NestPinoLogger } from '../common/logger.js';
import { existsSync } from 'node:fs';
import { LedgerError } from '../common/ledger-error.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { reachStores } from '../event-store/event-store.factory.js';

/** A job works on a ledger that exists: run from another folder, it would otherwise create an empty SQLite file there and find nothing. */
export function requireLedger(config: LedgerConfig): void {
  if (config.store === 'sqlite' && !existsSync(config.sqliteFile)) {
    throw new LedgerError('STORE_NOT_FOUND', `no ledger at ${config.sqliteFile}: run the job from the ledger's folder or set LEDGER_SQLITE_FILE`, 400, 'LEDGER_SQLITE_FILE');
  }
}

/**
 * The same modules as the server, without HTTP, and without the background runner unless asked
 * for (`ledger project --follow`): the CLI drives it.
 */
export async function openLedger(config: LedgerConfig, options: { clock?: Clock; logger?: Logger; follow?: boolean; create?: boolean } = {}): Promise<INestApplicationContext> {
  if (!options.create) requireLedger(config);
  const logger = options.logger ?? createLogger(process.env.LEDGER_LOG_LEVEL ?? 'warn');
  await reachStores(config, logger);
  return NestFactory.createApplicationContext(AppModule.forRoot({ ...config, projections: options.follow ? 'thread' : 'off' }, { logger, clock: options.clock }), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
}
