import { Command } from '@nestjs/cqrs';
import type { AccountRegisteredData } from '../../../projections/events.js';
import { accountStream } from '../../../projections/events.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { ledgerEvent } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import { inScope } from '../../auth/scope.js';
import type { RegisterAccountRequest } from './register-account.request.js';

export class RegisterAccount extends Command<Appended> {
  constructor(
    readonly request: RegisterAccountRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export function planRegister(request: RegisterAccountRequest, context: CommandContext, prefix = ''): PlannedWrite {
  if (!inScope(context.scope, request.wabaId)) {
    throw new LedgerError('ACCOUNT_OUT_OF_SCOPE', `this key may not register account ${request.wabaId}`, 403, `${prefix}wabaId`);
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
