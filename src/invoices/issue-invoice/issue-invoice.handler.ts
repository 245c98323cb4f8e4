import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { invoiceIdOf, issueOf } from '../../../projections/invoices/invoice-lifecycle.js';
import { LedgerError } from '../../common/ledger-error.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { appendInvoiceEvent, InvoiceLedger, refuseBlocked, refuseUnpriced, unchanged } from '../invoice-ledger.js';
import type { InvoiceAnswer } from '../invoice-ledger.js';
import { IssueInvoice, refuseOpenMonth } from './issue-invoice.command.js';

/** Freezes a settled draft into an InvoiceIssued. Issuing the same draft again appends nothing. */
@CommandHandler(IssueInvoice)
export class IssueInvoiceHandler implements ICommandHandler<IssueInvoice> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(InvoiceLedger) private readonly invoices: InvoiceLedger,
  ) {}

  async execute({ request, context }: IssueInvoice): Promise<InvoiceAnswer> {
    const { wabaId, period } = request;
    const settled = await this.invoices.settledDraft(context.scope, wabaId, period, request.minPosition);
    const { draft, position } = settled;
    refuseBlocked(settled);
    refuseOpenMonth(period, draft.timezone, context.recordedAt, request.force);
    const record = await this.invoices.read(invoiceIdOf(wabaId, period), context.scope);
    const data = issueOf(draft, position);
    if (record.invoice && record.invoice.status !== 'voided') {
      if (record.invoice.hash === data.hash) return unchanged({ ...record, invoice: record.invoice });
      throw new LedgerError('INVOICE_ALREADY_ISSUED', `${data.invoiceId} is issued (${record.invoice.hash}) and its draft has changed since: revise it instead`, 409, 'period');
    }
    refuseUnpriced(draft);
    return appendInvoiceEvent(this.store, record, 'InvoiceIssued', issueOf(draft, position, await this.invoices.logDigest(draft, position)), context);
  }
}
