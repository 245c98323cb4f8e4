import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RawBodyRequest } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { CLOCK } from './common/clock.js';
import type { Clock } from './common/clock.js';
import { authenticateOnArrival } from './auth/early-auth.js';
import { createLogger, NestPinoLogger } from './common/logger.js';
import { BodyDepthInterceptor } from './common/body-depth.interceptor.js';
import { validationPipe } from './common/validation.js';
import type { LedgerConfig } from './config/ledger.config.js';
import { reachStores } from './event-store/event-store.factory.js';
import { InboxRunner } from './inbox/inbox-runner.service.js';

const BODY_LIMIT = 8 * 1024 * 1024;
const CONSOLE = fileURLToPath(new URL('../../console/dist', import.meta.url));

export interface CreateOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** The HTTP application as main.ts serves it; tests and benchmarks boot the same thing. */
export async function createApp(config: LedgerConfig, options: CreateOptions = {}): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createLogger();
  await reachStores(config, logger);
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, { logger, clock: options.clock }), adapter, {
    bodyParser: false,
    // A failure at start is thrown to the caller (main.ts exits with it), never a silent process.exit.
    abortOnError: false,
    logger: new NestPinoLogger(logger),
  });
  const fastify = app.getHttpAdapter().getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    (request as RawBodyRequest<FastifyRequest>).rawBody = body as Buffer;
    // A webhook's signature is checked on the bytes as received, before anything parses them.
    if (request.url.startsWith('/webhooks/whatsapp')) return done(null, body);
    void json(request, (body as Buffer).toString('utf8'), done);
  });
  // Fastify reads text/plain by default: a JSON body sent as text would reach validation as a string, and be refused field by field.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  authenticateOnArrival(app, fastify, app.get<Clock>(CLOCK));
  // The console: static files its own build bundles, nothing fetched at run time; it signs in with a key like any client.
  if (existsSync(CONSOLE)) {
    app.useStaticAssets({ root: CONSOLE, prefix: '/console/', decorateReply: false });
    fastify.get('/console', (_request, reply) => reply.redirect('/console/'));
  }
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    // Billing data is never kept by a cache between the ledger and its reader; the API's own docs may be.
    if (!request.url.startsWith('/docs')) void reply.header('cache-control', 'no-store');
  });
  app.useGlobalInterceptors(new BodyDepthInterceptor());
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks([], { useProcessExit: true });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conversation Ledger')
      .setDescription('The ledger of WhatsApp Business messaging costs: commands, Meta webhooks, windows, units, invoice drafts and their audit trail.')
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque API key',
        description: 'An API key (not a JWT), created by POST /api-keys or given as LEDGER_ADMIN_KEY: `Authorization: Bearer <key>`, the scheme in any case.',
      })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key in a header of its own, for clients that cannot set Authorization.' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  // A clock of the caller's own cannot cross into a thread: its inbox follows on this event loop.
  app.get(InboxRunner).start(options.clock ? 'inline' : config.inbox);
  return app;
}
