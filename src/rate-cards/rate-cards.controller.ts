import { Body, Controller, Inject, Post, Query, Req, Res } from '@nestjs/common';
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

@ApiTags('rate-cards')
@ApiBearerAuth()
@Controller('rate-cards')
@Allow('billing')
export class RateCardsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  async publish(@Body() body: PublishRateCardRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new PublishRateCard(body, contextOf(request, scope, this.clock, 'api'))));
  }

  /** Meta's CSV as published: the parser reads its layouts and names the row and column of anything it cannot read. */
  @Post('csv')
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string' } })
  async publishCsv(@Body() csv: unknown, @Query() params: PublishRateCardCsvQuery, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    if (typeof csv !== 'string' || csv.length === 0) throw new LedgerError('VALIDATION_FAILED', 'body: send the CSV as text/csv', 400, 'body');
    const body = rateCardFromCsv(csv, params);
    return answer(reply, this.metrics, 'api', await this.commands.execute(new PublishRateCard(body, contextOf(request, scope, this.clock, 'api'))));
  }
}
