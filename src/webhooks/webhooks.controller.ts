import { createHmac, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { SYSTEM } from '../auth/scope.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { contextOf } from '../common/http.js';
import { LedgerError } from '../common/ledger-error.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ReceiveWebhook } from './receive-webhook/receive-webhook.command.js';
import type { WebhookOutcome } from './receive-webhook/receive-webhook.command.js';

const WEBHOOK_SCOPE = { ...SYSTEM, actor: 'meta-webhook' };

@ApiTags('webhooks')
@Controller('webhooks/whatsapp')
@Public()
export class WebhooksController {
  private readonly secret: Buffer | undefined;

  constructor(
    private readonly commands: CommandBus,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {
    this.secret = config.metaAppSecret ? Buffer.from(config.metaAppSecret) : undefined;
  }

  /** Meta's subscription handshake: echo the challenge when the verify token matches. */
  @Get()
  @Header('content-type', 'text/plain')
  verify(@Query('hub.mode') mode: string, @Query('hub.verify_token') token: string, @Query('hub.challenge') challenge: string): string {
    const expected = this.config.metaVerifyToken;
    if (mode !== 'subscribe' || !expected || !token || !equal(Buffer.from(token), Buffer.from(expected))) {
      throw new LedgerError('WEBHOOK_VERIFY_FAILED', 'hub.mode must be subscribe and hub.verify_token must match LEDGER_META_VERIFY_TOKEN', 403, 'hub.verify_token');
    }
    return challenge ?? '';
  }

  @Post()
  @ApiHeader({ name: 'X-Hub-Signature-256', description: 'sha256=HMAC of the raw body with the app secret', required: true })
  async receive(@Req() request: RawBodyRequest<FastifyRequest>, @Res({ passthrough: true }) reply: FastifyReply): Promise<WebhookOutcome> {
    this.checkSignature(request);
    const outcome = await this.commands.execute(new ReceiveWebhook(request.body, contextOf(request, WEBHOOK_SCOPE, this.clock, 'webhook')));
    if (outcome.appended) this.metrics.appends.inc({ source: 'webhook', outcome: 'appended' }, outcome.appended);
    if (outcome.duplicates) this.metrics.appends.inc({ source: 'webhook', outcome: 'duplicate' }, outcome.duplicates);
    if (outcome.ignored.length) this.metrics.webhookItems.inc({ outcome: 'ignored' }, outcome.ignored.length);
    if (outcome.conflicts.length) this.metrics.webhookItems.inc({ outcome: 'conflict' }, outcome.conflicts.length);
    void reply.status(200);
    return outcome;
  }

  private checkSignature(request: RawBodyRequest<FastifyRequest>): void {
    if (!this.secret) throw new LedgerError('WEBHOOK_NOT_CONFIGURED', 'LEDGER_META_APP_SECRET is not set: no webhook can be verified, so none is accepted', 503);
    const header = request.headers['x-hub-signature-256'];
    const raw = request.rawBody;
    if (typeof header !== 'string' || !header.startsWith('sha256=') || !raw) {
      throw new LedgerError('SIGNATURE_INVALID', 'X-Hub-Signature-256 is missing', 401, 'X-Hub-Signature-256');
    }
    const expected = createHmac('sha256', this.secret).update(raw).digest();
    if (!equal(Buffer.from(header.slice(7), 'hex'), expected)) {
      throw new LedgerError('SIGNATURE_INVALID', 'X-Hub-Signature-256 does not match the body signed with the app secret', 401, 'X-Hub-Signature-256');
    }
  }
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
