import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../common/command-context.js';
import type { InvoiceAnswer } from '../invoice-ledger.js';
import type { ReasonRequest } from '../revise-invoice/revise-invoice.request.js';

export class VoidInvoice extends Command<InvoiceAnswer> {
  constructor(
    readonly invoiceId: string,
    readonly request: ReasonRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}
