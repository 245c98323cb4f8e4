import { Inject, Injectable } from '@nestjs/common';
import { Decimal } from 'decimal.js';
import { AccountTerms } from '../../projections/accounts/account-terms.js';
import type { RateCardPublishedData } from '../../projections/events.js';
import { formatMoney } from '../../projections/rating/currency.js';
import { RateCardBook } from '../../projections/rating/rate-card-book.js';
import { monthPlus, ZoneCalendar } from '../../projections/time/zone-calendar.js';
import type { Calendar } from '../../projections/time/zone-calendar.js';
import { LogIndex, replayMonth } from '../audit/month-replay.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { notFound } from '../common/ledger-error.js';
import { EventStore } from '../event-store/event-store.port.js';
import { ReadModelReader } from '../read-models/read-model.reader.js';
import type { Reflecting } from '../read-models/read-model.reader.js';

export type CardStatus = 'published' | 'replaced' | 'withdrawn';

export interface CardVersion {
  readonly rateCardId: string;
  readonly version: string;
  readonly currency: string;
  readonly effectiveFrom: string;
  /** `replaced`: a later version with the same effective date prices in its place. */
  readonly status: CardStatus;
  readonly markets: readonly string[];
  readonly categories: readonly string[];
  readonly rates: number;
  readonly tiers: number;
  readonly drops: readonly string[];
  readonly withdrawnBecause?: string;
}

export interface CardsAnswer extends Reflecting {
  readonly cards: readonly CardVersion[];
}

export interface InForceAnswer extends Reflecting {
  readonly at: string;
  readonly timezone: string;
  /** The version, its rate rows and its tier bands; null when none is in force then. */
  readonly card: (CardVersion & { readonly rows: RateCardPublishedData['rates']; readonly bands: NonNullable<RateCardPublishedData['tiers']> }) | null;
}

/** An issued invoice whose total a card not yet published would change. */
export interface ImpactRow {
  readonly invoiceId: string;
  readonly wabaId: string;
  readonly period: string;
  readonly currency: string;
  readonly issuedTotal: string;
  /** The month as the published cards price it now. */
  readonly currentTotal: string;
  readonly withCardTotal: string;
  readonly difference: string;
}

/** Rate cards as the log published them: every version with its status, the one in force at an instant, and what a new one would change. */
@Injectable()
export class RateCardCatalog {
  constructor(
    @Inject(ReadModelReader) private readonly reader: ReadModelReader,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  async list(minPosition?: string): Promise<CardsAnswer> {
    const { at, engine } = await this.reader.reflecting(minPosition, false);
    const withdrawn = new Map(engine.withdrawals.map(({ card, reason }) => [`${card.rateCardId}@${card.version}`, reason]));
    const published = engine.published;
    const cards = [...published, ...engine.withdrawals.map((w) => w.card)].map((card) => {
      const reason = withdrawn.get(`${card.rateCardId}@${card.version}`);
      const later = published.findIndex((c) => c.rateCardId === card.rateCardId && c.effectiveFrom === card.effectiveFrom && published.indexOf(card) < published.indexOf(c));
      const status: CardStatus = reason !== undefined ? 'withdrawn' : later >= 0 ? 'replaced' : 'published';
      return { ...summary(card, status), ...(reason !== undefined ? { withdrawnBecause: reason } : {}) };
    });
    cards.sort((a, b) => (a.rateCardId < b.rateCardId ? -1 : a.rateCardId > b.rateCardId ? 1 : a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0));
    return { ...at, cards };
  }

  /** The version of a card that prices an instant: in an account's zone (its settings then), or a named zone, UTC by default. */
  async inForce(scope: Scope, rateCardId: string, instant: string, where: { wabaId?: string; timezone?: string }, minPosition?: string): Promise<InForceAnswer> {
    const { at, engine } = await this.reader.reflecting(minPosition, false);
    if (!engine.published.some((c) => c.rateCardId === rateCardId) && !engine.withdrawals.some((w) => w.card.rateCardId === rateCardId)) {
      throw notFound('RATE_CARD_UNKNOWN', `no rate card ${rateCardId}`, 'rateCardId');
    }
    let calendar: Calendar = ZoneCalendar.of(where.timezone ?? 'UTC');
    if (where.wabaId !== undefined) {
      const account = inScope(scope, where.wabaId) ? engine.accounts.get(where.wabaId) : undefined;
      if (!account) throw notFound('ACCOUNT_UNKNOWN', `no account ${where.wabaId}`, 'wabaId');
      calendar = AccountTerms.of(account).calendar;
    }
    const found = engine.book.cardAt(rateCardId, Date.parse(instant), calendar);
    const card = found ? { ...summary(found.data, 'published'), rows: found.data.rates, bands: found.data.tiers ?? [] } : null;
    return { ...at, at: new Date(Date.parse(instant)).toISOString(), timezone: calendar.zone, card };
  }

  /**
   * The issued invoices a card would change if it were published: every month it reaches, of
   * every account billed on its id, replayed from the log with and without it. Writes nothing.
   */
  async impact(scope: Scope, card: RateCardPublishedData): Promise<ImpactRow[]> {
    const index = await LogIndex.read(this.store);
    const state = index.stateAt();
    const book = new RateCardBook([...state.published.filter((c) => !(c.rateCardId === card.rateCardId && c.version === card.version)), card]);
    const from = monthPlus(card.effectiveFrom.slice(0, 7), -1);
    const reached = [...index.invoices.values()].filter((invoice) => {
      const account = state.accounts.get(invoice.wabaId);
      return invoice.status !== 'voided' && invoice.period >= from && inScope(scope, invoice.wabaId) && account !== undefined && AccountTerms.of(account).month(invoice.period).rateCardId === card.rateCardId;
    });
    const months = new Map<string, { portfolio: string; period: string }>();
    for (const invoice of reached) {
      const portfolio = state.accounts.get(invoice.wabaId)!.portfolioId;
      months.set(`${portfolio}|${invoice.period}`, { portfolio, period: invoice.period });
    }
    const rows: ImpactRow[] = [];
    for (const { portfolio, period } of [...months.values()].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.portfolio < b.portfolio ? -1 : 1))) {
      const now = await replayMonth(this.store, index, state, portfolio, period);
      const withCard = await replayMonth(this.store, index, state, portfolio, period, { book });
      for (const invoice of reached.filter((i) => i.period === period && state.accounts.get(i.wabaId)!.portfolioId === portfolio)) {
        const before = now.get(invoice.wabaId)!;
        const after = withCard.get(invoice.wabaId)!;
        if (before.total === after.total && before.unpriced.length === after.unpriced.length) continue;
        const difference = formatMoney(new Decimal(after.total).minus(before.total), invoice.currency);
        rows.push({ invoiceId: invoice.invoiceId, wabaId: invoice.wabaId, period, currency: invoice.currency, issuedTotal: invoice.total, currentTotal: before.total, withCardTotal: after.total, difference });
      }
    }
    return rows;
  }
}

function summary(card: RateCardPublishedData, status: CardStatus): CardVersion {
  return {
    rateCardId: card.rateCardId,
    version: card.version,
    currency: card.currency,
    effectiveFrom: card.effectiveFrom,
    status,
    markets: [...new Set(card.rates.map((r) => r.market))].sort(),
    categories: [...new Set(card.rates.map((r) => r.category))].sort(),
    rates: card.rates.length,
    tiers: card.tiers?.length ?? 0,
    drops: card.drops ?? [],
  };
}
