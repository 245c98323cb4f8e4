import { readFileSync } from 'node:fs';
import type {
  AccountRegisteredData,
  AccountSettingsChangedData,
  MarketMapPublishedData,
  RateCardPublishedData,
} from '../../projections/events.js';
import { MarketMap, marketMapFromCsv } from '../../projections/markets/market-map.js';
import { PolicyTimeline } from '../../projections/policies/timeline.js';
import { RateCardBook } from '../../projections/rating/rate-card-book.js';
import type { EngineContext } from '../../projections/thread/thread.projection.js';
import type { AccountContext } from '../../projections/thread/thread.types.js';

const shippedMarkets = marketMapFromCsv(readFileSync(new URL('../../../projections/data/markets.csv', import.meta.url), 'utf8'));

/**
 * What the engine needs besides a thread's events: accounts, rate cards and market maps as the
 * log has published them so far. The market map starts from the one the ledger ships;
 * published versions are added to it.
 */
export class EngineState {
  readonly accounts = new Map<string, AccountContext>();
  readonly portfolios = new Map<string, Set<string>>();
  readonly numbers = new Map<string, string>();
  private cards: RateCardPublishedData[] = [];
  private maps: MarketMapPublishedData[] = [];
  book = new RateCardBook([]);
  markets = new MarketMap(shippedMarkets);

  /** A what-if passes another timeline (one era for all time); the ledger uses every era in its dates. */
  constructor(readonly timeline = new PolicyTimeline()) {}

  get engine(): EngineContext {
    return { markets: this.markets, timeline: this.timeline };
  }

  register(data: AccountRegisteredData): AccountContext {
    const account: AccountContext = {
      wabaId: data.wabaId,
      portfolioId: data.portfolioId,
      timezone: data.timezone,
      currency: data.currency,
      rateCardId: data.rateCardId,
      ...(data.primaryLocation ? { primaryLocation: data.primaryLocation } : {}),
    };
    this.put(account);
    return account;
  }

  /** Settings apply from the change on; the engine keeps one context per WABA, so the latest wins. */
  change(data: AccountSettingsChangedData): AccountContext | undefined {
    const current = this.accounts.get(data.wabaId);
    if (!current) return undefined;
    const next: AccountContext = {
      ...current,
      ...(data.timezone ? { timezone: data.timezone } : {}),
      ...(data.currency ? { currency: data.currency } : {}),
      ...(data.authIntlEligibility !== undefined ? { authIntlEligible: data.authIntlEligibility } : {}),
    };
    this.put(next);
    return next;
  }

  put(account: AccountContext): void {
    const previous = this.accounts.get(account.wabaId);
    if (previous) this.portfolios.get(previous.portfolioId)?.delete(account.wabaId);
    this.accounts.set(account.wabaId, account);
    let members = this.portfolios.get(account.portfolioId);
    if (!members) this.portfolios.set(account.portfolioId, (members = new Set()));
    members.add(account.wabaId);
  }

  get published(): readonly RateCardPublishedData[] {
    return this.cards;
  }

  publishCard(data: RateCardPublishedData): void {
    // Publication order matters: a later card with the same effective date corrects the earlier one.
    this.cards = [...this.cards.filter((c) => !(c.rateCardId === data.rateCardId && c.version === data.version)), data];
    this.book = new RateCardBook(this.cards);
  }

  publishMap(data: MarketMapPublishedData): void {
    this.maps = [...this.maps.filter((m) => m.version !== data.version), data];
    this.markets = new MarketMap([...shippedMarkets, ...this.maps]);
  }
}
