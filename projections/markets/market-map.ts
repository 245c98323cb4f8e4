import { parse } from 'csv-parse/sync';
import type { CountryCode } from 'libphonenumber-js';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { MarketMapEntry, MarketMapPublishedData } from '../events.js';
import type { Calendar } from '../time/zone-calendar.js';
import { dayAfter } from '../time/zone-calendar.js';
import { text } from '../shared/compare.js';

export const OTHER = 'Other';

export interface CustomerMarket {
  /** ISO 3166 alpha-2, when the number tells. */
  readonly country: string | undefined;
  readonly market: string;
}

export interface MarketMapVersion {
  readonly version: string;
  readonly effectiveFrom: string;
  readonly byCountry: ReadonlyMap<string, string>;
  readonly byPrefix: ReadonlyMap<string, { country: string | undefined; market: string }>;
}

/**
 * Customer number -> country -> market, versioned by effective date like a rate card (applied
 * at 00:00 in the WABA's time zone). The country comes from libphonenumber, which knows the
 * area codes inside +1 and +7; only numbers it cannot place fall back to the map's prefixes.
 */
export class MarketMap {
  private readonly versions: MarketMapVersion[];
  private readonly countries = new Map<string, string | undefined>();

  constructor(published: readonly MarketMapPublishedData[]) {
    if (published.length === 0) throw new RangeError('a market map needs at least one version');
    this.versions = [...published]
      .sort((a, b) => text(a.effectiveFrom, b.effectiveFrom))
      .map((p) => {
        const byCountry = new Map<string, string>();
        const byPrefix = new Map<string, { country: string | undefined; market: string }>();
        for (const entry of p.entries) {
          byCountry.set(entry.country, entry.market);
          const known = byPrefix.get(entry.prefix);
          if (!known) byPrefix.set(entry.prefix, { country: entry.country, market: entry.market });
          else if (known.country !== entry.country) {
            byPrefix.set(entry.prefix, { country: undefined, market: known.market === entry.market ? known.market : OTHER });
          }
        }
        return { version: p.version, effectiveFrom: p.effectiveFrom, byCountry, byPrefix };
      });
  }

  /** The version in force at an instant; before the first one, the first (the map's history starts there). */
  versionAt(instant: number, calendar: Calendar): MarketMapVersion {
    let chosen = this.versions[0]!;
    for (const version of this.versions) {
      if (calendar.midnight(version.effectiveFrom) <= instant) chosen = version;
      else break;
    }
    return chosen;
  }

  /** Every market the version in force on a local date places customers in, `Other` included. */
  marketsOn(date: string): Set<string> {
    let chosen = this.versions[0]!;
    for (const version of this.versions) if (version.effectiveFrom <= date) chosen = version;
    return new Set([...chosen.byCountry.values(), OTHER]);
  }

  countryOf(customer: string): string | undefined {
    const sole = soleCountryOf(customer);
    if (sole) return sole;
    if (this.countries.has(customer)) return this.countries.get(customer);
    const country = parsePhoneNumberFromString(`+${customer}`)?.country;
    // A replay meets millions of customers: the cache holds recent ones, not all.
    if (this.countries.size >= 100_000) this.countries.clear();
    this.countries.set(customer, country);
    return country;
  }

  resolve(customer: string, instant: number, calendar: Calendar): CustomerMarket {
    return this.placeIn(this.versionAt(instant, calendar), customer, this.countryOf(customer));
  }

  /** The market of a customer whose country (countryOf) is known, under one version of the map. */
  placeIn(version: MarketMapVersion, customer: string, country: string | undefined): CustomerMarket {
    if (country) return { country, market: version.byCountry.get(country) ?? OTHER };
    for (let length = Math.min(6, customer.length); length > 0; length--) {
      const hit = version.byPrefix.get(customer.slice(0, length));
      if (hit) return hit;
    }
    return { country: undefined, market: OTHER };
  }
}

/** Calling code -> its country when one country alone uses it, else null (+1, +7, +44...). */
const CALLING_CODES = (() => {
  const codes = new Map<string, CountryCode | null>();
  for (const country of getCountries()) {
    const code = getCountryCallingCode(country);
    codes.set(code, codes.has(code) ? null : country);
  }
  return codes;
})();

/**
 * The country of a number whose calling code belongs to one country alone: what libphonenumber
 * answers for it, without its parse (several microseconds, once per new customer in a replay).
 * Calling codes are prefix-free, so the first known prefix is the code. Checked against the
 * library for every such code and national numbers of 2 to 17 digits, the lengths it accepts.
 */
function soleCountryOf(customer: string): CountryCode | undefined {
  if (!/^\d{3,20}$/.test(customer)) return undefined;
  for (let length = 1; length <= 3; length++) {
    const country = CALLING_CODES.get(customer.slice(0, length));
    if (country === undefined) continue;
    const national = customer.length - length;
    return country !== null && national >= 2 && national <= 17 ? country : undefined;
  }
  return undefined;
}

/**
 * Reads `markets.csv` (country, iso2, calling_code, area_codes, market, effective_from,
 * effective_to) into dated versions: one per distinct effective date, each the whole map.
 */
export function marketMapFromCsv(text: string): MarketMapPublishedData[] {
  const rows = parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true, trim: true });
  const dates = [...new Set(rows.flatMap((r) => [r.effective_from!, ...(r.effective_to ? [dayAfter(r.effective_to)] : [])]))].sort();
  return dates.map((date) => {
    const entries: MarketMapEntry[] = [];
    for (const row of rows) {
      const from = row.effective_from!;
      const to = row.effective_to || '9999-12-31';
      if (from > date || to < date) continue;
      const codes = row.area_codes ? row.area_codes.split(';').map((a) => `${row.calling_code}${a}`) : [row.calling_code!];
      for (const prefix of codes) entries.push({ prefix, country: row.iso2!, market: row.market! });
    }
    return { version: date, effectiveFrom: date, entries };
  });
}
