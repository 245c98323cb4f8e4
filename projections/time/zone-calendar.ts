import { DateTime, IANAZone } from 'luxon';

/**
 * Local dates and months of one IANA time zone, with the conversions cached: the fold and
 * rating ask for them per message, and a luxon conversion per message would dominate.
 */
export class ZoneCalendar {
  private readonly midnights = new Map<string, number>();
  private monthStart = Number.POSITIVE_INFINITY;
  private monthEnd = Number.NEGATIVE_INFINITY;
  private monthLabel = '';

  private constructor(readonly zone: string) {}

  private static readonly cache = new Map<string, ZoneCalendar>();

  static of(zone: string): ZoneCalendar {
    let calendar = ZoneCalendar.cache.get(zone);
    if (!calendar) {
      if (!IANAZone.isValidZone(zone)) throw new RangeError(`unknown IANA time zone: ${zone}`);
      calendar = new ZoneCalendar(zone);
      ZoneCalendar.cache.set(zone, calendar);
    }
    return calendar;
  }

  /** The UTC instant (ms) of 00:00 on a local date (YYYY-MM-DD) in this zone. */
  midnight(localDate: string): number {
    let at = this.midnights.get(localDate);
    if (at === undefined) {
      const parsed = DateTime.fromISO(localDate, { zone: this.zone });
      if (!parsed.isValid) throw new RangeError(`not a local date: ${localDate}`);
      at = parsed.startOf('day').toMillis();
      this.midnights.set(localDate, at);
    }
    return at;
  }

  /** YYYY-MM of an instant in this zone. */
  month(instant: number): string {
    if (instant >= this.monthStart && instant < this.monthEnd) return this.monthLabel;
    const local = DateTime.fromMillis(instant, { zone: this.zone }).startOf('month');
    this.monthStart = local.toMillis();
    this.monthEnd = local.plus({ months: 1 }).toMillis();
    this.monthLabel = local.toFormat('yyyy-MM');
    return this.monthLabel;
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function parseInstant(iso: string, field = 'timestamp'): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${field} is not an ISO-8601 instant: ${iso}`);
  return ms;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** The month N months from YYYY-MM (calendar arithmetic, no zone involved). */
export function monthPlus(period: string, months: number): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The local date after YYYY-MM-DD (calendar arithmetic, no zone involved). */
export function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
