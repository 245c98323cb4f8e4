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
import { RecordReceived } from './record-received/record-received.command.js';
import { RecordReceivedRequest } from './record-received/record-received.request.js';
import { RecordSent } from './record-sent/record-sent.command.js';
import { RecordSentRequest } from './record-sent/record-sent.request.js';
import { RecordStatus } from './record-status/record-status.command.js';
import { RecordStatusRequest } from './record-status/record-status.request.js';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('messages')
@Allow('ingest', 'billing')
export class MessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('sent')
  async sent(@Body() body: RecordSentRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RecordSent(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Post('received')
  async received(@Body() body: RecordReceivedRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RecordReceived(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Post('statuses')
  async status(@Body() body: RecordStatusRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RecordStatus(body, contextOf(request, scope, this.clock, 'api'))));
  }
}
