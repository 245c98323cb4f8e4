import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Invoice } from '../../projections/invoices/invoice-lifecycle.js';
import { invoiceOf } from '../../projections/invoices/invoice-lifecycle.js';
import type { InvoiceEvent } from '../../projections/invoices/invoice-lifecycle.js';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { answer, contextOf } from '../common/http.js';
import { formatPosition } from '../event-store/position.js';
import { Metrics } from '../metrics/metrics.service.js';
import { GetDraft } from '../read-models/queries/get-draft.query.js';
import type { DraftAnswer } from '../read-models/queries/get-draft.query.js';
import { ListMonths } from '../read-models/queries/list-months.query.js';
import type { MonthsAnswer } from '../read-models/queries/list-months.query.js';
import { PeriodParams, ReadParams } from '../read-models/queries/query-params.js';
import { documentFacts, invoiceCsv, invoicePdf } from './invoice-export.js';
import { InvoiceLedger } from './invoice-ledger.js';
import type { InvoiceAnswer, InvoiceRow } from './invoice-ledger.js';
import { IssueInvoice } from './issue-invoice/issue-invoice.command.js';
import { IssueInvoiceRequest } from './issue-invoice/issue-invoice.request.js';
import { ReviseInvoice } from './revise-invoice/revise-invoice.command.js';
import { ReasonRequest } from './revise-invoice/revise-invoice.request.js';
import { VoidInvoice } from './void-invoice/void-invoice.command.js';
import { InvoiceFormatParams, InvoiceListParams } from './invoice-params.js';
import { Doc, READ_PROBLEMS, WRITE_PROBLEMS } from '../common/api-doc.js';
import { DRAFT, INVOICE, INVOICE_ANSWER, INVOICE_DOCUMENTS, INVOICE_LIST, MONTHS } from '../common/api-schemas.js';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller()
export class InvoicesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly invoices: InvoiceLedger,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Doc({ summary: "A month's invoice draft", description: 'The invoice draft of a month: lines with quantity, price and amount, each with its rate card row and units.', ok: DRAFT, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN'] })
  @Get('accounts/:wabaId/drafts')
  @Allow('billing', 'auditor')
  async draft(@Param('wabaId') wabaId: string, @Query() params: PeriodParams, @Caller() scope: Scope): Promise<DraftAnswer> {
    return this.queries.execute(new GetDraft(scope, wabaId, params.period, params.minPosition));
  }

  @Doc({ summary: "An account's months", description: 'Every month with a draft, an invoice or a projection failure, newest first: the draft total, whether it is being rated again, how many failures block it, and the invoice issued for it (status, revision, total).', ok: MONTHS, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN'] })
  @Get('accounts/:wabaId/months')
  @Allow('billing', 'auditor')
  async months(@Param('wabaId') wabaId: string, @Query() params: ReadParams, @Caller() scope: Scope): Promise<MonthsAnswer> {
    return this.queries.execute(new ListMonths(scope, wabaId, params.minPosition));
  }

  @Doc({ summary: "Issue a month's invoice", description: "Freezes a month's settled draft into an issued invoice. The same draft issued again appends nothing.", ok: INVOICE_ANSWER, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_UNKNOWN', 'PERIOD_NOT_ENDED', 'INVOICE_UNPRICED', 'INVOICE_ALREADY_ISSUED', 'INVOICE_CONFLICT', 'DRAFT_BLOCKED', 'DRAFT_NOT_SETTLED'] })
  @Post('invoices')
  @Allow('billing')
  async issue(@Body() body: IssueInvoiceRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<InvoiceAnswer> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new IssueInvoice(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Revise an issued invoice', description: 'Issues a revision from the current draft, with adjustment lines against the document it supersedes.', ok: INVOICE_ANSWER, status: 'append', errors: [...WRITE_PROBLEMS, 'INVOICE_UNKNOWN', 'INVOICE_VOIDED', 'INVOICE_UNPRICED', 'INVOICE_CONFLICT', 'DRAFT_BLOCKED', 'DRAFT_NOT_SETTLED'] })
  @Post('invoices/:invoiceId/revisions')
  @Allow('billing')
  async revise(@Param('invoiceId') invoiceId: string, @Body() body: ReasonRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<InvoiceAnswer> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new ReviseInvoice(invoiceId, body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Void an invoice', description: 'Records `InvoiceVoided` with its reason: the document stays on record, marked void; the month may then be issued again as a new document.', ok: INVOICE_ANSWER, status: 'append', errors: [...WRITE_PROBLEMS, 'INVOICE_UNKNOWN', 'INVOICE_VOIDED', 'INVOICE_CONFLICT'] })
  @Post('invoices/:invoiceId/void')
  @Allow('billing')
  async void(@Param('invoiceId') invoiceId: string, @Body() body: ReasonRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<InvoiceAnswer> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new VoidInvoice(invoiceId, body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'List invoices', description: 'Issued invoices the key may see, filtered by period and account, with status, revision, total and hash.', ok: INVOICE_LIST, errors: [...READ_PROBLEMS] })
  @Get('invoices')
  @Allow('billing', 'auditor')
  async list(@Query() params: InvoiceListParams, @Caller() scope: Scope): Promise<{ invoices: InvoiceRow[] }> {
    return { invoices: await this.invoices.list(scope, params) };
  }

  @Doc({ summary: 'An invoice: JSON, CSV or PDF', description: 'The invoice in force: JSON, or `format=csv` / `format=pdf` (or the matching Accept header).', ok: INVOICE, errors: ['VALIDATION_FAILED', 'STORE_UNAVAILABLE', 'INVOICE_UNKNOWN'], produces: ['text/csv', 'application/pdf'] })
  @Get('invoices/:invoiceId')
  @Allow('billing', 'auditor')
  @ApiProduces('application/json', 'text/csv', 'application/pdf')
  async get(@Param('invoiceId') invoiceId: string, @Query() params: InvoiceFormatParams, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Invoice | string | Buffer> {
    const { invoice, events } = await this.invoices.require(invoiceId, scope);
    const accept = request.headers.accept ?? '';
    const format = params.format ?? (accept.includes('application/pdf') ? 'pdf' : accept.includes('text/csv') ? 'csv' : 'json');
    if (format === 'json') return invoice;
    const facts = documentFacts(invoice, events);
    void reply.header('content-disposition', `attachment; filename="${facts.fileName(format)}"`);
    if (format === 'csv') {
      void reply.type('text/csv; charset=utf-8');
      return invoiceCsv(invoice, facts);
    }
    void reply.type('application/pdf');
    return invoicePdf(invoice, facts);
  }

  @Doc({ summary: 'Every document of an invoice', description: 'Every document of the invoice in order: the issue, its revisions, a void, with who recorded each and when.', ok: INVOICE_DOCUMENTS, errors: ['STORE_UNAVAILABLE', 'INVOICE_UNKNOWN'] })
  @Get('invoices/:invoiceId/revisions')
  @Allow('billing', 'auditor')
  async revisions(@Param('invoiceId') invoiceId: string, @Caller() scope: Scope): Promise<{ invoiceId: string; documents: unknown[] }> {
    const { events } = await this.invoices.require(invoiceId, scope);
    let state: Invoice | undefined;
    const documents = events.map((event) => {
      state = invoiceOf([{ type: event.type, data: event.data } as InvoiceEvent], state);
      return { type: event.type, position: formatPosition(event.position), recordedAt: event.metadata.recordedAt, actor: event.metadata.actor, status: state!.status, revision: state!.revision, data: event.data };
    });
    return { invoiceId, documents };
  }
}
