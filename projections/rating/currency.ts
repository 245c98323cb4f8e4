import { Decimal } from 'decimal.js';

/** ISO 4217 minor units of the currencies Meta bills in (PRICING.md: IDR is billed to 2). */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  USD: 2, EUR: 2, GBP: 2, INR: 2, IDR: 2, AUD: 2, BRL: 2, MXN: 2, COP: 2, ARS: 2, PEN: 2,
  SGD: 2, HKD: 2, AED: 2, SAR: 2, MYR: 2, ZAR: 2, EGP: 2, TRY: 2, PHP: 2, THB: 2, NZD: 2, CAD: 2,
  CHF: 2, CLP: 0, JPY: 0, KRW: 0, VND: 0, KWD: 3, BHD: 3, OMR: 3, JOD: 3, IQD: 3,
};

/** Whether the ledger can round amounts in a currency (an upper-case ISO 4217 code it knows). */
export function knownCurrency(currency: string): boolean {
  return Object.hasOwn(MINOR_UNITS, currency);
}

export function minorUnits(currency: string): number {
  const digits = MINOR_UNITS[currency];
  if (digits === undefined) throw new RangeError(`no ISO 4217 minor unit known for currency ${currency}`);
  return digits;
}

/** How an exact line amount becomes an invoiced amount. */
export interface RoundingRule {
  readonly mode: 'half_up' | 'half_even';
  /** Rounded per line; the total is the sum of rounded lines, so a printed invoice adds up. */
  readonly scope: 'line';
}

export const HALF_UP_PER_LINE: RoundingRule = { mode: 'half_up', scope: 'line' };

export function roundMoney(amount: Decimal, currency: string, rule: RoundingRule = HALF_UP_PER_LINE): Decimal {
  return amount.toDecimalPlaces(minorUnits(currency), rule.mode === 'half_up' ? Decimal.ROUND_HALF_UP : Decimal.ROUND_HALF_EVEN);
}

export function formatMoney(amount: Decimal, currency: string): string {
  return amount.toFixed(minorUnits(currency));
}
