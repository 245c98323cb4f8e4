import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { loadConfig } from './config/ledger.config.js';

const config = loadConfig();
const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter());
app.enableShutdownHooks();
await app.listen(config.port, config.host);
console.log(`ledger listening on http://${config.host}:${config.port} (store: ${config.store}${config.store === 'sqlite' ? ` at ${config.sqliteFile}` : ''})`);
