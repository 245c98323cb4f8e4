import type { AccountSettingsChangedData } from '../events.js';
import type { AccountContext } from '../thread/thread.types.js';
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { canonicalJson } from '../shared/canonical-json.js';
import type { Calendar } from '../time/zone-calendar.js';
import { monthPlus, parseInstant, ZoneCalendar } from '../time/zone-calendar.js';
import { text } from '../shared/compare.js';

/** What prices a month: its zone, its currency and the rate card of that currency. */
export interface MonthTerms {
  readonly timezone: string;
  readonly currency: string;
  readonly rateCardId: string;
}

interface Segment {
  /** First month, YYYY-MM. */
  readonly from: string;
  readonly terms: MonthTerms;
}

interface Location {
  readonly at: number;
  readonly country: string | undefined;
  readonly verified: boolean;
}

interface Grant {
  readonly startTime: number;
  readonly countries: ReadonlyMap<string, number>;
}

const BEGINNING = '0000-01';

/**
 * A WABA's settings as they stood at any instant. A change applies from 00:00 of its local date
 * and never to what came before; time zone, currency and rate card apply from a month's start,
 * so a month is priced whole under one set. A time zone takes over when the month before it
 * ends in the old zone: no earlier month gains or loses an instant. Authentication-international
 * eligibility is the exception: it is permanent and Meta dates it itself, by its start times.
 */
export class AccountTerms {
  private static readonly cache = new WeakMap<AccountContext, AccountTerms>();

  readonly calendar: Calendar;
  private readonly segments: Segment[];
  private readonly locations: Location[] = [];
  private grant: Grant | undefined;
  private readonly fingerprints = new Map<string, string>();

  static of(account: AccountContext): AccountTerms {
    let terms = AccountTerms.cache.get(account);
    if (!terms) AccountTerms.cache.set(account, (terms = new AccountTerms(account)));
    return terms;
  }

  private constructor(private readonly account: AccountContext) {
    const changes = [...(account.changes ?? [])].sort((a, b) => text(a.effectiveFrom, b.effectiveFrom));
    const first: MonthTerms = { timezone: account.timezone, currency: account.currency, rateCardId: account.rateCardId };
    this.segments = [{ from: BEGINNING, terms: first }];
    for (const change of changes) {
      if (change.timezone === undefined && change.currency === undefined && change.rateCardId === undefined) continue;
      const from = firstMonth(change.effectiveFrom);
      const last = this.segments[this.segments.length - 1]!;
      const currency = change.currency ?? last.terms.currency;
      const rateCardId = change.rateCardId ?? (change.currency !== undefined && change.currency !== last.terms.currency ? `meta-${currency}` : last.terms.rateCardId);
      const terms = { timezone: change.timezone ?? last.terms.timezone, currency, rateCardId };
      if (last.from === from) this.segments[this.segments.length - 1] = { from, terms };
      else this.segments.push({ from, terms });
    }
    this.calendar = this.segments.every((s) => s.terms.timezone === account.timezone) ? ZoneCalendar.of(account.timezone) : new ShiftingCalendar(this.segments);

    const located = account.primaryLocation;
    this.locations.push({ at: Number.NEGATIVE_INFINITY, country: located, verified: located !== undefined && account.primaryLocationVerified !== false });
    for (const change of changes) {
      if (change.primaryLocation === undefined && change.primaryLocationVerified === undefined) continue;
      const last = this.locations[this.locations.length - 1]!;
      const country = change.primaryLocation ?? last.country;
      this.locations.push({ at: this.calendar.midnight(change.effectiveFrom), country, verified: country !== undefined && (change.primaryLocationVerified ?? true) });
    }
    // Meta's start times say when the international rate began, whenever the ledger learned of them; the last word recorded stands.
    for (const change of account.changes ?? []) this.grant = grantOf(change, this.calendar) ?? this.grant;
  }

  /** Every rate card the account was ever billed with (in one currency, when given). */
  rateCards(currency?: string): Set<string> {
    return new Set(this.segments.filter((s) => currency === undefined || s.terms.currency === currency).map((s) => s.terms.rateCardId));
  }

  /** The terms a month is priced under. */
  month(period: string): MonthTerms {
    let found = this.segments[0]!.terms;
    for (const segment of this.segments) if (segment.from <= period) found = segment.terms;
    return found;
  }

  /**
   * Whether an authentication unit charged at `at` to a customer of `country` pays the
   * authentication-international rate: the business is eligible, `at` is past its start time for
   * that country and past the market's own start, and the customer is not at the business's
   * verified primary location (an unverified one is not home to anyone).
   */
  international(at: number, country: string, marketFrom: number): boolean {
    const grant = this.grant;
    if (at < marketFrom || !grant || at < (grant.countries.get(country) ?? grant.startTime)) return false;
    const location = latest(this.locations, at)!;
    return !(location.verified && location.country === country);
  }

  /**
   * What of the account's settings can price a month, as 16 hex digits: the registration and every
   * change dated before the month ends (eligibility whatever its date: Meta dates it by start
   * times). Part of an invoice's basis, so a regeneration can tell a settings change from new units.
   */
  settingsOf(period: string): string {
    let fingerprint = this.fingerprints.get(period);
    if (fingerprint === undefined) {
      const end = `${monthPlus(period, 1)}-01`;
      const { timezone, currency, rateCardId, primaryLocation, primaryLocationVerified } = this.account;
      const changes = [...(this.account.changes ?? [])]
        .filter((c) => c.effectiveFrom < end || c.authInternational !== undefined || c.authIntlEligibility !== undefined)
        .sort((a, b) => text(a.effectiveFrom, b.effectiveFrom))
        .map(({ reason: _reason, ...priced }) => priced);
      const settings = { timezone, currency, rateCardId, primaryLocation: primaryLocation ?? null, primaryLocationVerified: primaryLocationVerified ?? null, changes };
      fingerprint = createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
      this.fingerprints.set(period, fingerprint);
    }
    return fingerprint;
  }

  /** The local date (YYYY-MM-DD) of an instant, in the zone then in force. */
  localDate(at: number): string {
    const zone = this.calendar instanceof ZoneCalendar ? this.calendar.zone : (this.calendar as ShiftingCalendar).zoneAt(at);
    return DateTime.fromMillis(at, { zone }).toISODate()!;
  }
}

function latest<T extends { readonly at: number }>(list: readonly T[], at: number): T | undefined {
  let found: T | undefined;
  for (const item of list) if (item.at <= at) found = item;
  return found;
}

/** A month-start setting dated otherwise (refused at the edge) applies from the next month. */
function firstMonth(effectiveFrom: string): string {
  const month = effectiveFrom.slice(0, 7);
  return effectiveFrom.endsWith('-01') ? month : monthPlus(month, 1);
}

function grantOf(change: AccountSettingsChangedData, calendar: Calendar): Grant | undefined {
  if (change.authInternational) {
    const countries = new Map(Object.entries(change.authInternational.countries ?? {}).map(([country, start]) => [country, parseInstant(start, 'authInternational.countries')]));
    return { startTime: parseInstant(change.authInternational.startTime, 'authInternational.startTime'), countries };
  }
  return change.authIntlEligibility === true ? { startTime: calendar.midnight(change.effectiveFrom), countries: new Map() } : undefined;
}

/**
 * Several zones, each from a month on. A date that starts a zone's first month begins when the
 * month before ends, in the zone before; any other date begins at its own zone's midnight.
 */
class ShiftingCalendar implements Calendar {
  readonly zone: string;
  private readonly zones: { from: string; calendar: ZoneCalendar; start: number }[];

  constructor(segments: readonly Segment[]) {
    this.zone = segments.map((s) => `${s.from}:${s.terms.timezone}`).join('|');
    this.zones = [];
    for (const segment of segments) {
      const previous = this.zones[this.zones.length - 1];
      const calendar = ZoneCalendar.of(segment.terms.timezone);
      if (previous?.calendar === calendar) continue;
      const start = previous ? previous.calendar.midnight(`${segment.from}-01`) : Number.NEGATIVE_INFINITY;
      this.zones.push({ from: segment.from, calendar, start });
    }
  }

  midnight(localDate: string): number {
    let calendar = this.zones[0]!.calendar;
    for (const zone of this.zones) if (`${zone.from}-01` < localDate) calendar = zone.calendar;
    return calendar.midnight(localDate);
  }

  zoneAt(instant: number): string {
    let zone = this.zones[0]!.calendar.zone;
    for (const z of this.zones) if (instant >= z.start) zone = z.calendar.zone;
    return zone;
  }

  month(instant: number): string {
    for (let i = this.zones.length - 1; i >= 0; i--) {
      const zone = this.zones[i]!;
      if (instant < zone.start) continue;
      const month = zone.calendar.month(instant);
      return month < zone.from ? zone.from : month;
    }
    return this.zones[0]!.calendar.month(instant);
  }
}
