import { Command } from '@nestjs/cqrs';
import type { RateCardPublishedData } from '../../../projections/events.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { ledgerEvent } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import type { PublishRateCardRequest } from './publish-rate-card.request.js';

export class PublishRateCard extends Command<Appended> {
  constructor(
    readonly request: PublishRateCardRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export function rateCardStream(rateCardId: string): string {
  return `ratecard-${rateCardId}`;
}

export function planPublish(request: PublishRateCardRequest, context: CommandContext, prefix = ''): PlannedWrite {
  if (context.scope.wabas !== null) {
    throw new LedgerError('FORBIDDEN', 'a key restricted to some accounts cannot publish a rate card, which every account using it shares', 403, `${prefix}rateCardId`);
  }
  const data: RateCardPublishedData = {
    rateCardId: request.rateCardId,
    version: request.version,
    currency: request.currency,
    effectiveFrom: request.effectiveFrom,
    rates: request.rates.map(({ market, category, price }) => ({ market, category, price })),
    ...(request.tiers
      ? { tiers: request.tiers.map(({ market, category, from, to, price }) => ({ market, category, from, ...(to !== undefined ? { to } : {}), price })) }
      : {}),
  };
  return {
    stream: rateCardStream(data.rateCardId),
    events: [ledgerEvent('RateCardPublished', `${data.rateCardId}:${data.version}`, data, context)],
    expected: 'any',
    conflict: { code: 'RATE_CARD_VERSION_CONFLICT', field: 'version', what: `rate card ${data.rateCardId} version ${data.version}` },
  };
}
