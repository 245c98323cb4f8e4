import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import type { Appended } from '../common/append.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { answer, contextOf } from '../common/http.js';
import { Metrics } from '../metrics/metrics.service.js';
import { RunBatch } from './run-batch/run-batch.command.js';
import { RunBatchRequest } from './run-batch/run-batch.request.js';
import { Doc, WRITE_PROBLEMS } from '../common/api-doc.js';
import { BATCH_RESULTS } from '../common/api-schemas.js';

@ApiTags('commands')
@ApiBearerAuth()
@Controller('commands')
@Allow('ingest', 'billing')
export class BatchController {
  constructor(
    private readonly commands: CommandBus,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Doc({ summary: 'Run a batch of commands', description: 'Up to 1,000 commands, all appended in one transaction or none.', ok: BATCH_RESULTS, status: 'append', errors: [...WRITE_PROBLEMS, 'COMMAND_TYPE_UNKNOWN', 'ACCOUNT_UNKNOWN', 'PHONE_NUMBER_UNKNOWN', 'ACCOUNT_OUT_OF_SCOPE', 'EVENT_ID_CONFLICT', 'STATUS_CONFLICT', 'RATE_CARD_INVALID', 'SETTINGS_NOT_MONTH_START'] })
  @Post('batch')
  async batch(@Body() body: RunBatchRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ results: readonly Appended[] }> {
    const results = await this.commands.execute(new RunBatch(body.commands, contextOf(request, scope, this.clock, 'api')));
    return { results: answer(reply, this.metrics, 'api', results) };
  }
}
