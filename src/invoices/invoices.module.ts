import { Module } from '@nestjs/common';
import { InvoiceRegenerator } from './regenerate-invoices/regenerate-invoices.job.js';
import { InvoiceLedger } from './invoice-ledger.js';
import { InvoicesController } from './invoices.controller.js';
import { IssueInvoiceHandler } from './issue-invoice/issue-invoice.handler.js';
import { ReviseInvoiceHandler } from './revise-invoice/revise-invoice.handler.js';
import { VoidInvoiceHandler } from './void-invoice/void-invoice.handler.js';

@Module({
  controllers: [InvoicesController],
  providers: [InvoiceLedger, InvoiceRegenerator, IssueInvoiceHandler, ReviseInvoiceHandler, VoidInvoiceHandler],
  exports: [InvoiceLedger, InvoiceRegenerator],
})
export class InvoicesModule {}
