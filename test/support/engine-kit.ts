import { readFileSync } from 'node:fs';
import type { Positioned, RateCardPublishedData, TemplateCategory } from '../../projections/events.js';
import { MarketMap, marketMapFromCsv } from '../../projections/markets/market-map.js';
import { PolicyTimeline } from '../../projections/policies/timeline.js';
import { parseRateCardCsv } from '../../projections/rating/rate-card.csv.js';
import { RateCardBook } from '../../projections/rating/rate-card-book.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { rateMonth } from '../../projections/rating/rating.projection.js';
import type { EngineContext } from '../../projections/thread/thread.projection.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import type { AccountContext, BillableUnit } from '../../projections/thread/thread.types.js';

/** Test support for the engine: reference data, accounts and thread stories in given/when/then style. */
const root = new URL('../../../', import.meta.url);
export const readRepo = (path: string): string => readFileSync(new URL(path, root), 'utf8');
export const readShared = (path: string): string => readFileSync(new URL(`../shared/${path}`, root), 'utf8');

export const markets = new MarketMap(marketMapFromCsv(readRepo('projections/data/markets.csv')));
export const timeline = new PolicyTimeline();
export const engine: EngineContext = { markets, timeline };

export const cards = {
  usd2022: () => parseRateCardCsv(readShared('data/meta-usd-2022-02-reconstructed.csv')),
  usd2023: () => parseRateCardCsv(readRepo('projections/data/meta-usd-2023-06-partial.csv')),
  usd2025q4: () => parseRateCardCsv(readRepo('projections/data/meta-usd-2025-10.csv')),
  usd2026: () => parseRateCardCsv(readRepo('projections/data/meta-usd-2026-01.csv')),
};

export function account(overrides: Partial<AccountContext> = {}): AccountContext {
  return { wabaId: 'waba-1', portfolioId: 'portfolio-1', timezone: 'UTC', currency: 'USD', rateCardId: 'meta-USD', ...overrides };
}

/** An account granted authentication-international from `startTime` (a change dated that day), with more changes after it. */
export function eligibleAccount(overrides: Partial<AccountContext> = {}, startTime = '2024-01-01T00:00:00.000Z', countries?: Record<string, string>): AccountContext {
  const base = account(overrides);
  const grant = { wabaId: base.wabaId, effectiveFrom: startTime.slice(0, 10), authInternational: { startTime, ...(countries ? { countries } : {}) } };
  return { ...base, changes: [grant, ...(base.changes ?? [])] };
}

const HOUR = 3_600_000;
let stories = 0;

/**
 * One thread's history written as it happened: hours after t0. Every business message is
 * delivered a second after it is sent, as in PRICING.md's worked examples.
 */
export class Story {
  readonly events: Positioned[] = [];
  private readonly t0: number;
  private n = 0;
  readonly id = ++stories;

  constructor(
    t0: string,
    readonly customer = '5511987654321',
    readonly phoneNumberId = 'phone-1',
    readonly wabaId = 'waba-1',
  ) {
    this.t0 = Date.parse(t0);
  }

  at(hours: number, plusSeconds = 0): string {
    return new Date(this.t0 + hours * HOUR + plusSeconds * 1000).toISOString();
  }

  private key() {
    return { wabaId: this.wabaId, phoneNumberId: this.phoneNumberId, customer: this.customer };
  }

  private nextId(prefix: string): string {
    return `wamid.${this.id}.${prefix}${++this.n}`;
  }

  customerWrites(hours: number, options: { referral?: boolean; kind?: string } = {}): string {
    const messageId = this.nextId('in');
    this.events.push({
      type: 'MessageReceived',
      data: { ...this.key(), messageId, timestamp: this.at(hours), kind: options.kind ?? 'text', ...(options.referral ? { referral: { sourceType: 'ad', sourceId: 'ad-1' } } : {}) },
    });
    return messageId;
  }

  /** A business message sent at `hours`; delivered a second later unless it fails. */
  send(hours: number, category?: TemplateCategory, outcome: 'delivered' | 'read' | 'failed' | 'none' = 'delivered'): string {
    const messageId = this.nextId(category ? category.slice(0, 3) : 'txt');
    this.events.push({
      type: 'MessageSent',
      data: { ...this.key(), messageId, timestamp: this.at(hours), kind: category ? 'template' : 'text', ...(category ? { template: { name: `${category}_template`, category } } : {}) },
    });
    if (outcome === 'delivered') this.events.push({ type: 'MessageDelivered', data: { ...this.key(), messageId, timestamp: this.at(hours, 1) } });
    if (outcome === 'read') this.events.push({ type: 'MessageRead', data: { ...this.key(), messageId, timestamp: this.at(hours, 1) } });
    if (outcome === 'failed') {
      this.events.push({ type: 'MessageFailed', data: { ...this.key(), messageId, timestamp: this.at(hours, 1), errors: [{ code: 131049, title: 'This message was not delivered to maintain healthy ecosystem engagement.' }] } });
    }
    return messageId;
  }

  template(hours: number, category: TemplateCategory): string {
    return this.send(hours, category);
  }

  text(hours: number): string {
    return this.send(hours);
  }

  units(of: AccountContext = account({ wabaId: this.wabaId })): BillableUnit[] {
    return foldThread(this.events, of, engine).units;
  }
}

/** The shape of a unit a test asserts: what a billing engineer checks first. */
export function summary(units: readonly BillableUnit[]) {
  return units.map((u) => ({ kind: u.kind, category: u.category, charge: u.charge, market: u.market, era: u.era, messages: u.messageIds.length }));
}

export function draftOf(units: readonly BillableUnit[], period: string, published: RateCardPublishedData[], accounts: AccountContext[] = [account()]): InvoiceDraft {
  const drafts = rateMonth({
    period,
    accounts: new Map(accounts.map((a) => [a.wabaId, a])),
    units,
    book: new RateCardBook(published),
    timeline,
  });
  return drafts.get(accounts[0]!.wabaId)!;
}

export function lineSummary(draft: InvoiceDraft) {
  return draft.lines.map((l) => `${l.market} ${l.category} ${l.charge}${l.tier ? ` [${l.tier}]` : ''} ${l.quantity} x ${l.unitPrice} = ${l.amount}`);
}
