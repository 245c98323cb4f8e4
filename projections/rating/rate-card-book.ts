import { Decimal } from 'decimal.js';
import type { RateCardPublishedData, TierRow } from '../events.js';
import type { Calendar } from '../time/zone-calendar.js';
import { text } from '../shared/compare.js';
import { getOrMake } from '../shared/maps.js';

export interface Band {
  readonly from: number;
  readonly to: number | undefined;
  readonly price: Decimal;
  readonly priceText: string;
  readonly label: string;
}

export interface Rate {
  readonly price: Decimal;
  readonly priceText: string;
}

export class RateCard {
  private readonly rates = new Map<string, Map<string, Rate>>();
  private readonly tiers = new Map<string, Map<string, Band[]>>();

  constructor(readonly data: RateCardPublishedData) {
    for (const row of data.rates) getOrMake(this.rates, row.market, () => new Map<string, Rate>()).set(row.category, { price: new Decimal(row.price), priceText: row.price });
    const grouped = new Map<string, TierRow[]>();
    for (const tier of data.tiers ?? []) {
      const key = `${tier.market}|${tier.category}`;
      grouped.set(key, [...(grouped.get(key) ?? []), tier]);
    }
    for (const rows of grouped.values()) {
      getOrMake(this.tiers, rows[0]!.market, () => new Map<string, Band[]>()).set(
        rows[0]!.category,
        rows
          .map((r) => ({ from: r.from, to: r.to, price: new Decimal(r.price), priceText: r.price, label: `${r.from}-${r.to ?? ''}` }))
          .sort((a, b) => a.from - b.from),
      );
    }
  }

  get id(): string {
    return this.data.rateCardId;
  }

  get version(): string {
    return this.data.version;
  }

  rate(market: string, category: string): Rate | undefined {
    return this.rates.get(market)?.get(category);
  }

  /** The band the n-th charged message of the month falls in (n counts from 1). */
  band(market: string, category: string, n: number): Band | undefined {
    const bands = this.tiers.get(market)?.get(category);
    if (!bands) return undefined;
    for (const band of bands) if (n >= band.from && (band.to === undefined || n <= band.to)) return band;
    return undefined;
  }
}

/**
 * Every published rate card, by id and effective date. A card takes effect at 00:00 of its
 * local date in each WABA's time zone; a later publication with the same effective date (a
 * correction) replaces the earlier one.
 */
export class RateCardBook {
  private readonly byId = new Map<string, RateCard[]>();

  constructor(published: readonly RateCardPublishedData[]) {
    for (const data of published) {
      const cards = this.byId.get(data.rateCardId) ?? [];
      const same = cards.findIndex((c) => c.data.effectiveFrom === data.effectiveFrom);
      if (same >= 0) cards[same] = new RateCard(data);
      else cards.push(new RateCard(data));
      cards.sort((a, b) => text(a.data.effectiveFrom, b.data.effectiveFrom));
      this.byId.set(data.rateCardId, cards);
    }
  }

  cardAt(rateCardId: string, instant: number, calendar: Calendar): RateCard | undefined {
    let found: RateCard | undefined;
    for (const card of this.byId.get(rateCardId) ?? []) {
      if (calendar.midnight(card.data.effectiveFrom) <= instant) found = card;
      else break;
    }
    return found;
  }
}
