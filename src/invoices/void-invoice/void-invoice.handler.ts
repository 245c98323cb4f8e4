import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../../event-store/event-store.port.js';
import { appendInvoiceEvent, InvoiceLedger, unchanged } from '../invoice-ledger.js';
import type { InvoiceAnswer } from '../invoice-ledger.js';
import { VoidInvoice } from './void-invoice.command.js';

/** Cancels the document in force; the month can be issued again afterwards. */
@CommandHandler(VoidInvoice)
export class VoidInvoiceHandler implements ICommandHandler<VoidInvoice> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(InvoiceLedger) private readonly invoices: InvoiceLedger,
  ) {}

  async execute({ invoiceId, request, context }: VoidInvoice): Promise<InvoiceAnswer> {
    const record = await this.invoices.require(invoiceId, context.scope);
    const { invoice } = record;
    if (invoice.status === 'voided') return unchanged(record);
    const data = { invoiceId, wabaId: invoice.wabaId, period: invoice.period, hash: invoice.hash, reason: request.reason };
    return appendInvoiceEvent(this.store, record, 'InvoiceVoided', data, context);
  }
}
