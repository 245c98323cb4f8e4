import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import type { Appended } from '../common/append.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { answer, contextOf } from '../common/http.js';
import { LedgerError } from '../common/ledger-error.js';
import { Metrics } from '../metrics/metrics.service.js';
import { PublishRateCard } from './publish-rate-card/publish-rate-card.command.js';
import { PublishRateCardCsvQuery, PublishRateCardRequest } from './publish-rate-card/publish-rate-card.request.js';
import { rateCardFromCsv } from './publish-rate-card/rate-card-csv.js';
import { checkedCard } from './publish-rate-card/publish-rate-card.command.js';
import { RateCardCatalog } from './rate-card-catalog.js';
import type { CardsAnswer, ImpactRow, InForceAnswer } from './rate-card-catalog.js';
import { InForceParams } from './rate-card.params.js';
import { WithdrawRateCard } from './withdraw-rate-card/withdraw-rate-card.command.js';
import { WithdrawRateCardBody, WithdrawRateCardRequest } from './withdraw-rate-card/withdraw-rate-card.request.js';
import { ReadParams } from '../read-models/queries/query-params.js';
import { validateAs } from '../common/validation.js';
import { APPENDED, Doc, READ_PROBLEMS, WRITE_PROBLEMS } from '../common/api-doc.js';
import { RATE_CARDS, RATE_CARD_IMPACT, RATE_CARD_IN_FORCE } from '../common/api-schemas.js';

@ApiTags('rate-cards')
@ApiBearerAuth()
@Controller('rate-cards')
@Allow('billing')
export class RateCardsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly metrics: Metrics,
    private readonly catalog: RateCardCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Doc({ summary: 'List rate cards and their versions', description: 'Every version of every card: effective date, currency, markets, categories, and whether it prices (published), was replaced or withdrawn.', ok: RATE_CARDS, errors: [...READ_PROBLEMS] })
  @Get()
  @Allow('billing', 'auditor')
  async list(@Query() params: ReadParams): Promise<CardsAnswer> {
    return this.catalog.list(params.minPosition);
  }

  @Doc({ summary: 'The rate card version in force at an instant', description: "The version that prices an instant, at 00:00 of its effective date in an account's zone (`wabaId`), a named zone, or UTC.", ok: RATE_CARD_IN_FORCE, errors: [...READ_PROBLEMS, 'RATE_CARD_UNKNOWN', 'ACCOUNT_UNKNOWN'] })
  @Get(':rateCardId/in-force')
  @Allow('billing', 'auditor')
  async inForce(@Param('rateCardId') rateCardId: string, @Query() params: InForceParams, @Caller() scope: Scope): Promise<InForceAnswer> {
    return this.catalog.inForce(scope, rateCardId, params.at, { ...(params.wabaId ? { wabaId: params.wabaId } : {}), ...(params.timezone ? { timezone: params.timezone } : {}) }, params.minPosition);
  }

  @Doc({ summary: 'What publishing a card would change', description: 'What publishing this card would do, without publishing it: the issued invoices whose totals it would change.', ok: RATE_CARD_IMPACT, status: 200, errors: [...WRITE_PROBLEMS, 'RATE_CARD_INVALID', 'RATE_CARD_CURRENCY_CHANGED', 'RATE_CARD_DROPS'] })
  @Post('dry-run')
  @HttpCode(200)
  async dryRun(@Body() body: PublishRateCardRequest, @Caller() scope: Scope): Promise<{ version: string; invoices: ImpactRow[] }> {
    const card = checkedCard(body);
    return { version: card.version, invoices: await this.catalog.impact(scope, card) };
  }

  @Doc({ summary: 'Withdraw a rate card version', description: 'Records `RateCardWithdrawn` with its reason: the version prices nothing from now on, and the months it reached are re-rated (regenerate revises their invoices).', ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'RATE_CARD_UNKNOWN', 'RATE_CARD_VERSION_WITHDRAWN'] })
  @Post(':rateCardId/versions/:version/withdraw')
  async withdraw(
    @Param('rateCardId') rateCardId: string,
    @Param('version') version: string,
    @Body() body: WithdrawRateCardBody,
    @Caller() scope: Scope,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Appended> {
    const command = validateAs(WithdrawRateCardRequest, { rateCardId, version, reason: body.reason }, '');
    return answer(reply, this.metrics, 'api', await this.commands.execute(new WithdrawRateCard(command, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Publish a rate card version (JSON)', description: "Records `RateCardPublished`: rates per market and category, tier bands, effective from 00:00 of `effectiveFrom` in each account's time zone. Prices equal to a live version are that version (a duplicate); markets, categories or rows left out of the version before are refused unless `drops` names them.", ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'RATE_CARD_INVALID', 'RATE_CARD_CURRENCY_CHANGED', 'RATE_CARD_DROPS', 'RATE_CARD_VERSION_WITHDRAWN', 'EVENT_ID_CONFLICT'] })
  @Post()
  async publish(@Body() body: PublishRateCardRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new PublishRateCard(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: "Publish a rate card version (Meta's CSV)", description: "Meta's CSV as published: the parser reads its layouts and names the row and column of anything it cannot read.", ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'RATE_CARD_CSV_INVALID', 'RATE_CARD_INVALID', 'RATE_CARD_CURRENCY_CHANGED', 'RATE_CARD_DROPS', 'RATE_CARD_VERSION_WITHDRAWN'] })
  @Post('csv')
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string' } })
  async publishCsv(@Body() csv: unknown, @Query() params: PublishRateCardCsvQuery, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    if (typeof csv !== 'string' || csv.length === 0) throw new LedgerError('VALIDATION_FAILED', 'body: send the CSV as text/csv', 400, 'body');
    const body = rateCardFromCsv(csv, { ...params, drops: params.drops?.split(',').map((d) => d.trim()).filter(Boolean) });
    return answer(reply, this.metrics, 'api', await this.commands.execute(new PublishRateCard(body, contextOf(request, scope, this.clock, 'api'))));
  }
}
