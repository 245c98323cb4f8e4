import { createHash } from 'node:crypto';
import { Command } from '@nestjs/cqrs';
import type { RateCardPublishedData } from '../../../projections/events.js';
import { rateCardStream } from '../../../projections/events.js';
import { canonicalJson } from '../../../projections/shared/canonical-json.js';
import type { Directory } from '../../accounts/account-directory.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { ledgerEvent } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import { SHIPPED_MARKETS } from '../../read-models/settings/engine-state.js';
import { cardProblems } from './card-checks.js';
import type { PublishRateCardRequest } from './publish-rate-card.request.js';

export class PublishRateCard extends Command<Appended> {
  constructor(
    readonly request: PublishRateCardRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** What a card prices: two versions with the same content are the same card. */
function contentOf(card: Pick<RateCardPublishedData, 'currency' | 'effectiveFrom' | 'rates' | 'tiers'>): string {
  return canonicalJson({ currency: card.currency, effectiveFrom: card.effectiveFrom, rates: card.rates, tiers: card.tiers ?? [] });
}

/**
 * The version a card gets when it names none, the same through the API and the CLI: its
 * effective date and a digest of its prices, so importing the same card twice publishes it once.
 */
export function defaultVersion(card: Pick<RateCardPublishedData, 'currency' | 'effectiveFrom' | 'rates' | 'tiers'>): string {
  return `${card.effectiveFrom}.${createHash('sha256').update(contentOf(card)).digest('hex').slice(0, 8)}`;
}

/**
 * A new version replaces the whole card from its date, so it is held against the version in force
 * before it: markets, categories or rows it leaves out must be named in `drops`, or it is refused. A version
 * whose prices equal one already published (and not withdrawn) is that version: nothing is appended.
 */
/** A request as the card it would publish, its version defaulted. */
export function cardOf(request: PublishRateCardRequest): RateCardPublishedData {
  const priced = {
    currency: request.currency,
    effectiveFrom: request.effectiveFrom,
    rates: request.rates.map(({ market, category, price }) => ({ market, category, price })),
    ...(request.tiers
      ? { tiers: request.tiers.map(({ market, category, from, to, price }) => ({ market, category, from, ...(to !== undefined ? { to } : {}), price })) }
      : {}),
  };
  return { rateCardId: request.rateCardId, version: request.version ?? defaultVersion(priced), ...priced };
}

/** The card of a request, refused with every problem by field when it would price wrongly (see cardProblems). */
export function checkedCard(request: PublishRateCardRequest, prefix = ''): RateCardPublishedData {
  const card = cardOf(request);
  const problems = cardProblems(card, SHIPPED_MARKETS).map((p) => ({ ...p, field: `${prefix}${p.field}` }));
  const first = problems[0];
  if (first) throw new LedgerError('RATE_CARD_INVALID', `${first.field}: ${first.detail}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, 400, first.field, problems);
  return card;
}

export async function planPublish(request: PublishRateCardRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  if (context.scope.wabas !== null) {
    throw new LedgerError('FORBIDDEN', 'a key restricted to some accounts cannot publish a rate card, which every account using it shares', 403, `${prefix}rateCardId`);
  }
  const { version, rateCardId: _id, ...priced } = checkedCard(request, prefix);
  const history = await directory.cardHistory(request.rateCardId);
  const currency = history.published[0]?.currency;
  if (currency !== undefined && currency !== priced.currency) {
    throw new LedgerError('RATE_CARD_CURRENCY_CHANGED', `rate card ${request.rateCardId} is in ${currency}; a card in ${priced.currency} needs an id of its own (meta-${priced.currency})`, 409, `${prefix}currency`);
  }
  if (history.withdrawn.has(version)) {
    throw new LedgerError('RATE_CARD_VERSION_WITHDRAWN', `rate card ${request.rateCardId} version ${version} was withdrawn (${history.withdrawn.get(version)!}); publish the card under another version`, 409, `${prefix}version`);
  }
  const active = history.published.filter((c) => !history.withdrawn.has(c.version));
  const same = active.find((c) => c.version !== version && contentOf(c) === contentOf(priced));
  if (same) return write(same, context);
  const dropped = droppedBy(priced, active.filter((c) => c.version !== version));
  const named = new Set(request.drops ?? []);
  const unnamed = dropped.filter((d) => !named.has(d));
  if (unnamed.length) {
    throw new LedgerError(
      'RATE_CARD_DROPS',
      `this version leaves out ${unnamed.join(', ')} of the version it follows, and would leave them unpriced from ${request.effectiveFrom}; name each in drops to mean it`,
      409,
      `${prefix}drops`,
    );
  }
  const stray = [...named].filter((d) => !dropped.includes(d));
  if (stray.length) throw new LedgerError('VALIDATION_FAILED', `drops names ${stray.join(', ')}, which this version does not leave out`, 400, `${prefix}drops`);
  return write({ rateCardId: request.rateCardId, version, ...priced, ...(request.drops?.length ? { drops: [...request.drops].sort() } : {}) }, context);
}

function write(data: RateCardPublishedData, context: CommandContext): PlannedWrite {
  return {
    stream: rateCardStream(data.rateCardId),
    events: [ledgerEvent('RateCardPublished', `${data.rateCardId}:${data.version}`, data, context)],
    expected: 'any',
    conflict: { code: 'RATE_CARD_VERSION_CONFLICT', field: 'version', what: `rate card ${data.rateCardId} version ${data.version}` },
  };
}

/**
 * What the version in force before this one priced and this one does not, named as briefly as it
 * can be: a market it leaves out whole, a category it leaves out whole, else a `market/category` row.
 */
export function droppedBy(card: Pick<RateCardPublishedData, 'effectiveFrom' | 'rates'>, active: readonly RateCardPublishedData[]): string[] {
  let follows: RateCardPublishedData | undefined;
  for (const c of active) if (c.effectiveFrom <= card.effectiveFrom && (!follows || c.effectiveFrom >= follows.effectiveFrom)) follows = c;
  if (!follows) return [];
  const markets = new Set(card.rates.map((r) => r.market));
  const categories = new Set(card.rates.map((r) => r.category));
  const rows = new Set(card.rates.map((r) => `${r.market}/${r.category}`));
  const dropped = new Set<string>();
  for (const r of follows.rates) {
    if (!markets.has(r.market)) dropped.add(r.market);
    else if (!categories.has(r.category)) dropped.add(r.category);
    else if (!rows.has(`${r.market}/${r.category}`)) dropped.add(`${r.market}/${r.category}`);
  }
  return [...dropped].sort();
}
