import { Command } from '@nestjs/cqrs';
import type { AccountRegisteredData } from '../../../projections/events.js';
import { accountStream } from '../../../projections/events.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { ledgerEvent } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import { inScope } from '../../auth/scope.js';
import type { Directory } from '../account-directory.js';
import type { RegisterAccountRequest } from './register-account.request.js';

export class RegisterAccount extends Command<Appended> {
  constructor(
    readonly request: RegisterAccountRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * A key scoped to some WABAs registers only those, and only into a portfolio whose accounts are
 * all its own: volume tiers pool a portfolio, so joining another tenant's would share its bill.
 */
export async function planRegister(request: RegisterAccountRequest, context: CommandContext, directory: Pick<Directory, 'portfolioMembers'>, prefix = ''): Promise<PlannedWrite> {
  if (!inScope(context.scope, request.wabaId)) {
    throw new LedgerError('ACCOUNT_OUT_OF_SCOPE', `this key may not register account ${request.wabaId}`, 403, `${prefix}wabaId`);
  }
  if (context.scope.wabas !== null && (await directory.portfolioMembers(request.portfolioId)).some((waba) => !inScope(context.scope, waba))) {
    throw new LedgerError('ACCOUNT_OUT_OF_SCOPE', `this key may not register into portfolio ${request.portfolioId}: it holds accounts outside the key's scope`, 403, `${prefix}portfolioId`);
  }
  const data: AccountRegisteredData = {
    wabaId: request.wabaId,
    portfolioId: request.portfolioId,
    timezone: request.timezone,
    currency: request.currency,
    rateCardId: request.rateCardId ?? `meta-${request.currency}`,
    ...(request.primaryLocation ? { primaryLocation: request.primaryLocation } : {}),
  };
  return {
    stream: accountStream(data.wabaId),
    events: [ledgerEvent('AccountRegistered', data.wabaId, data, context)],
    expected: 'no_stream',
    conflict: { code: 'ACCOUNT_CONFLICT', field: 'wabaId', what: `account ${data.wabaId}` },
  };
}
