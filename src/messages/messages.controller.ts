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
import { APPENDED, Doc, WRITE_PROBLEMS } from '../common/api-doc.js';

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

  @Doc({ summary: 'Record a message sent', description: 'Records `MessageSent`: a business message (template with its category, or free-form) to a customer. It opens nothing by itself: conversations and charges open on delivery. The same message again is a duplicate; the same id with other content is a conflict.', ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_UNKNOWN', 'PHONE_NUMBER_UNKNOWN', 'ACCOUNT_OUT_OF_SCOPE', 'EVENT_ID_CONFLICT'] })
  @Post('sent')
  async sent(@Body() body: RecordSentRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RecordSent(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Record a message received', description: "Records `MessageReceived`: a customer's message, which opens or extends the 24-hour customer service window (and, from an ad's click-to-WhatsApp, the free-entry-point window).", ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_UNKNOWN', 'PHONE_NUMBER_UNKNOWN', 'ACCOUNT_OUT_OF_SCOPE', 'EVENT_ID_CONFLICT'] })
  @Post('received')
  async received(@Body() body: RecordReceivedRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RecordReceived(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: "Record a message's status", description: "Records `MessageDelivered`, `MessageRead` or `MessageFailed` (with Meta's errors) and Meta's stated `pricing`/`conversation`, kept as received for reconciliation. Delivery is what opens a conversation or charges a message.", ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_UNKNOWN', 'PHONE_NUMBER_UNKNOWN', 'ACCOUNT_OUT_OF_SCOPE', 'STATUS_CONFLICT'] })
  @Post('statuses')
  async status(@Body() body: RecordStatusRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RecordStatus(body, contextOf(request, scope, this.clock, 'api'))));
  }
}
