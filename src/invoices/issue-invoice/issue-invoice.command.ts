import { Command } from '@nestjs/cqrs';
import { monthPlus, ZoneCalendar } from '../../../projections/time/zone-calendar.js';
import type { CommandContext } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import type { InvoiceAnswer } from '../invoice-ledger.js';
import type { IssueInvoiceRequest } from './issue-invoice.request.js';

export class IssueInvoice extends Command<InvoiceAnswer> {
  constructor(
    readonly request: IssueInvoiceRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** A month can be invoiced once it is over where the account lives; `force` is for the exceptions. */
export function refuseOpenMonth(period: string, timezone: string, recordedAt: string, force: boolean | undefined): void {
  const end = ZoneCalendar.of(timezone).midnight(`${monthPlus(period, 1)}-01`);
  if (force || Date.parse(recordedAt) >= end) return;
  throw new LedgerError('PERIOD_NOT_ENDED', `${period} has not ended in ${timezone} (it ends at ${new Date(end).toISOString()}); pass force to issue it anyway`, 409, 'period');
}

