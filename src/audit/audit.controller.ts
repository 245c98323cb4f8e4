import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import { InvoiceLedger } from '../invoices/invoice-ledger.js';
import { ExplainThread } from '../read-models/queries/explain-thread.query.js';
import type { ExplanationAnswer } from '../read-models/queries/explain-thread.query.js';
import { ReadParams } from '../read-models/queries/query-params.js';
import { ExplainParams, TimelineParams } from './audit-params.js';
import { Auditor, timelineCsv } from './auditor.js';
import type { InvoiceExplanation, Timeline, Verdict } from './auditor.js';
import { Doc, READ_PROBLEMS } from '../common/api-doc.js';
import { EXPLANATION, THREAD_AUDIT, TIMELINE, VERIFICATION } from '../common/api-schemas.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
@Allow('billing', 'auditor')
export class AuditController {
  constructor(
    private readonly queries: QueryBus,
    private readonly auditor: Auditor,
    private readonly invoices: InvoiceLedger,
  ) {}

  @Doc({ summary: 'Audit one thread', description: "Every decision of one thread's fold, in order, with the rule applied and the rate-card row that priced it.", ok: THREAD_AUDIT, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN', 'THREAD_UNKNOWN'] })
  @Get('accounts/:wabaId/threads/:phoneNumberId/:customer')
  async explain(
    @Param('wabaId') wabaId: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Param('customer') customer: string,
    @Query() params: ReadParams,
    @Caller() scope: Scope,
  ): Promise<ExplanationAnswer> {
    return this.queries.execute(new ExplainThread(scope, wabaId, phoneNumberId, customer, params.minPosition));
  }

  @Doc({ summary: "Explain a month's invoice line by line", description: "A month's invoice (or draft) line by line: its units, their events, the rule and rate-card row applied. Replays the log.", ok: EXPLANATION, errors: ['VALIDATION_FAILED', 'STORE_UNAVAILABLE', 'ACCOUNT_UNKNOWN', 'LINE_UNKNOWN'] })
  @Get('accounts/:wabaId/explain')
  async explainInvoice(@Param('wabaId') wabaId: string, @Query() params: ExplainParams, @Caller() scope: Scope): Promise<InvoiceExplanation> {
    return this.auditor.explain(scope, wabaId, params.period, params.line);
  }

  @Doc({ summary: 'Events and decisions between two instants', description: 'Events and decisions between two instants, as known at `asOf`; `format=csv` for a spreadsheet.', ok: TIMELINE, errors: ['VALIDATION_FAILED', 'STORE_UNAVAILABLE', 'ACCOUNT_UNKNOWN'], produces: ['text/csv'] })
  @Get('accounts/:wabaId/timeline')
  @ApiProduces('application/json', 'text/csv')
  async timeline(@Param('wabaId') wabaId: string, @Query() params: TimelineParams, @Caller() scope: Scope, @Res({ passthrough: true }) reply: FastifyReply): Promise<Timeline | string> {
    const timeline = await this.auditor.timeline(scope, wabaId, params.from, params.to, params.asOf);
    if (params.format !== 'csv') return timeline;
    void reply.type('text/csv; charset=utf-8');
    return timelineCsv(timeline);
  }

  @Doc({ summary: 'Verify an issued invoice', description: 'Recomputes an issued invoice from its basis and reports a match or the first difference.', ok: VERIFICATION, errors: ['STORE_UNAVAILABLE', 'INVOICE_UNKNOWN'] })
  @Get('invoices/:invoiceId/verify')
  async verify(@Param('invoiceId') invoiceId: string, @Caller() scope: Scope): Promise<Verdict> {
    return this.auditor.verify((await this.invoices.require(invoiceId, scope)).invoice);
  }
}
