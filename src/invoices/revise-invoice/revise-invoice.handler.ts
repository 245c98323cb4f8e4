import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { revisionOf } from '../../../projections/invoices/invoice-lifecycle.js';
import { LedgerError } from '../../common/ledger-error.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { appendInvoiceEvent, InvoiceLedger, refuseBlocked, refuseUnpriced, unchanged } from '../invoice-ledger.js';
import type { InvoiceAnswer } from '../invoice-ledger.js';
import { ReviseInvoice } from './revise-invoice.command.js';

/** Re-issues an invoice from its settled draft with adjustment lines; nothing to adjust, nothing appended. */
@CommandHandler(ReviseInvoice)
export class ReviseInvoiceHandler implements ICommandHandler<ReviseInvoice> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(InvoiceLedger) private readonly invoices: InvoiceLedger,
  ) {}

  async execute({ invoiceId, request, context }: ReviseInvoice): Promise<InvoiceAnswer> {
    const record = await this.invoices.require(invoiceId, context.scope);
    const { invoice } = record;
    if (invoice.status === 'voided') throw new LedgerError('INVOICE_VOIDED', `${invoiceId} is void: issue it again instead`, 409, 'invoiceId');
    const settled = await this.invoices.settledDraft(context.scope, invoice.wabaId, invoice.period, request.minPosition);
    const { draft, position } = settled;
    refuseBlocked(settled);
    const revision = revisionOf(invoice, draft, position, request.reason);
    if (!revision) return unchanged(record);
    refuseUnpriced(draft);
    return appendInvoiceEvent(this.store, record, 'InvoiceRevised', revisionOf(invoice, draft, position, request.reason, await this.invoices.logDigest(draft, position))!, context);
  }
}
