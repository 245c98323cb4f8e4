import { readFileSync } from 'node:fs';
import type {
  AccountRegisteredData,
  AccountSettingsChangedData,
  MarketMapPublishedData,
  PhoneNumberAttachedData,
  RateCardPublishedData,
  RateCardWithdrawnData,
} from '../../../projections/events.js';
import { MarketMap, marketMapFromCsv } from '../../../projections/markets/market-map.js';
import { PolicyTimeline } from '../../../projections/policies/timeline.js';
import { RateCardBook } from '../../../projections/rating/rate-card-book.js';
import type { EngineContext } from '../../../projections/thread/thread.projection.js';
import type { AccountContext } from '../../../projections/thread/thread.types.js';
import { partitionOf } from '../processor/partitions.js';

/** The events that change settings; every other kind (messages, invoices, the webhook inbox) leaves them as they are. */
export const SETTING_TYPES: ReadonlySet<string> = new Set(['AccountRegistered', 'AccountSettingsChanged', 'PhoneNumberAttached', 'RateCardPublished', 'RateCardWithdrawn', 'MarketMapPublished']);

/** A setting as applied: accounts as they now stand, the rest as published. */
export type Applied =
  | { readonly type: 'AccountRegistered' | 'AccountSettingsChanged'; readonly account: AccountContext }
  | { readonly type: 'PhoneNumberAttached'; readonly data: PhoneNumberAttachedData }
  | { readonly type: 'RateCardPublished'; readonly data: RateCardPublishedData }
  | { readonly type: 'RateCardWithdrawn'; readonly data: RateCardPublishedData; readonly reason: string }
  | { readonly type: 'MarketMapPublished'; readonly data: MarketMapPublishedData };

/** A setting the read models refuse to apply: the ledger keeps a WABA in one portfolio and a number in one WABA. */
export class SettingRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const shippedMarkets = marketMapFromCsv(readFileSync(new URL('../../../../projections/data/markets.csv', import.meta.url), 'utf8'));

/** The market map the ledger ships: what a rate card's markets are checked against. */
export const SHIPPED_MARKETS = new MarketMap(shippedMarkets);

/**
 * What the engine needs besides a thread's events: accounts, rate cards and market maps as the
 * log has published them so far. The market map starts from the one the ledger ships;
 * published versions are added to it.
 */
export class EngineState {
  readonly accounts = new Map<string, AccountContext>();
  readonly portfolios = new Map<string, Set<string>>();
  /** Each account's numbers. */
  readonly numbers = new Map<string, Set<string>>();
  private readonly partitions = new Map<string, number>();
  private cards: RateCardPublishedData[] = [];
  private maps: MarketMapPublishedData[] = [];
  private readonly withdrawn: { card: RateCardPublishedData; reason: string }[] = [];
  book = new RateCardBook([]);
  markets = SHIPPED_MARKETS;

  /** A what-if passes another timeline (one era for all time); the ledger uses every era in its dates. */
  constructor(readonly timeline = new PolicyTimeline()) {}

  get engine(): EngineContext {
    return { markets: this.markets, timeline: this.timeline };
  }

  /**
   * Applies a settings event (account, number, rate card, market map) as the runner and the
   * audit replays both read the log; anything else, or a change to an unknown account, is not one.
   * An event that throws leaves the state as it was: the read models record it and go on without it.
   */
  apply(event: { readonly type: string; readonly data: unknown }): Applied | undefined {
    switch (event.type) {
      case 'AccountRegistered':
        return { type: event.type, account: this.register(event.data as AccountRegisteredData) };
      case 'AccountSettingsChanged': {
        const account = this.change(event.data as AccountSettingsChangedData);
        return account && { type: event.type, account };
      }
      case 'PhoneNumberAttached': {
        // Each account's numbers are its own: two tenants attaching one number id never share a thread.
        const data = event.data as PhoneNumberAttachedData;
        let numbers = this.numbers.get(data.wabaId);
        if (!numbers) this.numbers.set(data.wabaId, (numbers = new Set()));
        numbers.add(data.phoneNumberId);
        return { type: event.type, data };
      }
      case 'RateCardPublished': {
        const data = event.data as RateCardPublishedData;
        this.publishCard(data);
        return { type: event.type, data };
      }
      case 'RateCardWithdrawn': {
        const { rateCardId, version, reason } = event.data as RateCardWithdrawnData;
        const withdrawn = this.withdrawCard(rateCardId, version, reason);
        return withdrawn && { type: event.type, data: withdrawn, reason };
      }
      case 'MarketMapPublished': {
        const data = event.data as MarketMapPublishedData;
        this.publishMap(data);
        return { type: event.type, data };
      }
      default:
        return undefined;
    }
  }

  register(data: AccountRegisteredData): AccountContext {
    const known = this.accounts.get(data.wabaId);
    // Volume tiers pool a portfolio and the read models keep a portfolio in one partition.
    if (known && known.portfolioId !== data.portfolioId) {
      throw new SettingRefused('PORTFOLIO_CHANGED', `account ${data.wabaId} is in portfolio ${known.portfolioId}; registering it in ${data.portfolioId} is not applied`);
    }
    const account: AccountContext = {
      wabaId: data.wabaId,
      portfolioId: data.portfolioId,
      timezone: data.timezone,
      currency: data.currency,
      rateCardId: data.rateCardId,
      ...(data.primaryLocation ? { primaryLocation: data.primaryLocation } : {}),
      ...(data.primaryLocationVerified !== undefined ? { primaryLocationVerified: data.primaryLocationVerified } : {}),
      ...(known?.changes ? { changes: known.changes } : {}),
    };
    this.put(account);
    return account;
  }

  /** A change joins the account's dated history: it applies from its own date, and earlier months keep the settings they had. */
  change(data: AccountSettingsChangedData): AccountContext | undefined {
    const current = this.accounts.get(data.wabaId);
    if (!current) return undefined;
    const next: AccountContext = { ...current, changes: [...(current.changes ?? []), data] };
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
    const cards = [...this.cards.filter((c) => !(c.rateCardId === data.rateCardId && c.version === data.version)), data];
    this.book = new RateCardBook(cards);
    this.cards = cards;
  }

  /** Takes a published version out of the book; the card it was is returned, to re-rate the months it reached. */
  withdrawCard(rateCardId: string, version: string, reason: string): RateCardPublishedData | undefined {
    const card = this.cards.find((c) => c.rateCardId === rateCardId && c.version === version);
    if (!card) return undefined;
    this.cards = this.cards.filter((c) => c !== card);
    this.book = new RateCardBook(this.cards);
    this.withdrawn.push({ card, reason });
    return card;
  }

  /** Versions taken out, in the order they were, with why. */
  get withdrawals(): readonly { readonly card: RateCardPublishedData; readonly reason: string }[] {
    return this.withdrawn;
  }

  publishMap(data: MarketMapPublishedData): void {
    const maps = [...this.maps.filter((m) => m.version !== data.version), data];
    this.markets = new MarketMap([...shippedMarkets, ...maps]);
    this.maps = maps;
  }

  /** The partition of a registered WABA's portfolio. */
  partitionOf(wabaId: string): number | undefined {
    const portfolio = this.accounts.get(wabaId)?.portfolioId;
    if (portfolio === undefined) return undefined;
    let partition = this.partitions.get(portfolio);
    if (partition === undefined) this.partitions.set(portfolio, (partition = partitionOf(portfolio)));
    return partition;
  }
}
