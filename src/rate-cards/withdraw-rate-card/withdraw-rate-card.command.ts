import { Command } from '@nestjs/cqrs';
import type { RateCardWithdrawnData } from '../../../projections/events.js';
import { rateCardStream } from '../../../projections/events.js';
import type { Directory } from '../../accounts/account-directory.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { ledgerEvent } from '../../common/command-context.js';
import { LedgerError, notFound } from '../../common/ledger-error.js';
import type { WithdrawRateCardRequest } from './withdraw-rate-card.request.js';

export class WithdrawRateCard extends Command<Appended> {
  constructor(
    readonly request: WithdrawRateCardRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Takes a published version out for good; the months it reached are rated again without it. The same withdrawal sent twice is recorded once. */
export async function planWithdraw(request: WithdrawRateCardRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  if (context.scope.wabas !== null) {
    throw new LedgerError('FORBIDDEN', 'a key restricted to some accounts cannot withdraw a rate card, which every account using it shares', 403, `${prefix}rateCardId`);
  }
  const { rateCardId, version, reason } = request;
  const history = await directory.cardHistory(rateCardId);
  if (!history.published.some((c) => c.version === version)) throw notFound('RATE_CARD_UNKNOWN', `rate card ${rateCardId} has no version ${version}`, `${prefix}version`);
  const data: RateCardWithdrawnData = { rateCardId, version, reason };
  return {
    stream: rateCardStream(rateCardId),
    events: [ledgerEvent('RateCardWithdrawn', `${rateCardId}:${version}`, data, context)],
    expected: 'any',
    conflict: { code: 'RATE_CARD_ALREADY_WITHDRAWN', field: 'version', what: `the withdrawal of rate card ${rateCardId} version ${version}` },
  };
}
