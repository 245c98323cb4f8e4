import { createHmac, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { contextOf } from '../common/http.js';
import { LedgerError } from '../common/ledger-error.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { LEDGER_CONFIG } from '../event-store/event-store.module.js';
import { Metrics } from '../metrics/metrics.service.js';
import { WEBHOOK_SCOPE } from '../inbox/inbox.processor.js';
import { ReceiveWebhook } from './receive-webhook/receive-webhook.command.js';
import type { WebhookReceipt } from './receive-webhook/receive-webhook.command.js';
import { Doc } from '../common/api-doc.js';
import { CHALLENGE, WEBHOOK_RECEIPT } from '../common/api-schemas.js';


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

  @Doc({ summary: "Meta's subscription handshake", description: "Meta's subscription handshake: echo the challenge when the verify token matches.", ok: CHALLENGE, errors: ['WEBHOOK_VERIFY_FAILED'], produces: ['text/plain'], public: true })
  @Get()
  @Header('content-type', 'text/plain')
  verify(@Query('hub.mode') mode: string, @Query('hub.verify_token') token: string, @Query('hub.challenge') challenge: string): string {
    const expected = this.config.metaVerifyToken;
    if (mode !== 'subscribe' || !expected || !token || !equal(Buffer.from(token), Buffer.from(expected))) {
      throw new LedgerError('WEBHOOK_VERIFY_FAILED', 'hub.mode must be subscribe and hub.verify_token must match LEDGER_META_VERIFY_TOKEN', 403, 'hub.verify_token');
    }
    return challenge ?? '';
  }

  @Doc({ summary: 'Receive a Meta webhook', description: 'The signature is checked on the bytes as received, before anything reads them; a signed payload is always taken (200).', ok: WEBHOOK_RECEIPT, status: 200, errors: ['SIGNATURE_INVALID', 'WEBHOOK_NOT_CONFIGURED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'STORE_UNAVAILABLE'], public: true })
  @Post()
  @ApiHeader({ name: 'X-Hub-Signature-256', description: 'sha256= and the 64 hex digits of the HMAC-SHA256 of the raw body with the app secret', required: true })
  async receive(@Req() request: RawBodyRequest<FastifyRequest>, @Res({ passthrough: true }) reply: FastifyReply): Promise<WebhookReceipt> {
    const raw = this.checkSignature(request);
    const receipt = await this.commands.execute(new ReceiveWebhook(raw, contextOf(request, WEBHOOK_SCOPE, this.clock, 'webhook')));
    this.metrics.appends.inc({ source: 'webhook', outcome: receipt.duplicate ? 'duplicate' : 'appended' });
    void reply.status(200);
    return receipt;
  }

  private checkSignature(request: RawBodyRequest<FastifyRequest>): Buffer {
    if (!this.secret) throw new LedgerError('WEBHOOK_NOT_CONFIGURED', 'LEDGER_META_APP_SECRET is not set: no webhook can be verified, so none is accepted', 503);
    const header = request.headers['x-hub-signature-256'];
    const raw = request.rawBody;
    if (typeof header !== 'string' || !SIGNATURE.test(header) || !raw) {
      throw new LedgerError('SIGNATURE_INVALID', 'X-Hub-Signature-256 must be sha256= and 64 hex digits', 401, 'X-Hub-Signature-256');
    }
    const expected = createHmac('sha256', this.secret).update(raw).digest();
    if (!timingSafeEqual(Buffer.from(header.slice(7), 'hex'), expected)) {
      throw new LedgerError('SIGNATURE_INVALID', 'X-Hub-Signature-256 does not match the body signed with the app secret', 401, 'X-Hub-Signature-256');
    }
    return raw;
  }
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/i;

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
