import { buildMessage, ValidateBy } from 'class-validator';
import type { ValidationOptions } from 'class-validator';
import { knownCurrency } from '../../projections/rating/currency.js';
import { canonicalInstant } from '../../projections/time/zone-calendar.js';

/** The first instant the ledger records: every era starts after it. */
export const EARLIEST = Date.parse('2018-01-01T00:00:00Z');

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function realDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/**
 * Milliseconds of an RFC 3339 instant with `Z` or an offset (fractional seconds allowed) on a real
 * calendar date from 2018 on, or NaN. The one reading of an instant the edge accepts: whatever
 * passes here the engine can convert.
 */
export function rfc3339(value: string): number {
  const canonical = canonicalInstant(value);
  if (!Number.isNaN(canonical)) return canonical >= EARLIEST ? canonical : Number.NaN;
  const m = RFC3339.exec(value);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (!realDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return Number.NaN;
  const at = Date.parse(value);
  return at >= EARLIEST ? at : Number.NaN;
}

/** A real calendar date YYYY-MM-DD from 2018 on. */
export function localDate(value: string): boolean {
  const m = LOCAL_DATE.exec(value);
  return m !== null && Number(m[1]) >= 2018 && realDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

export const IsInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !Number.isNaN(rfc3339(value)),
        defaultMessage: buildMessage((each) => `${each}$property must be an RFC 3339 instant with Z or an offset, from 2018-01-01 on`, options),
      },
    },
    options,
  );

export const IsLocalDate = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isLocalDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && localDate(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a real calendar date YYYY-MM-DD, from 2018 on`, options),
      },
    },
    options,
  );

/** Printable Unicode only: no control, format (zero-width, bidirectional), private-use or unpaired surrogate characters, no white space. */
const PRINTABLE = /^[^\p{C}\p{Z}\s]+$/u;

/** An id the ledger keys on: well-formed, printable, of bounded length. */
export const IsPrintableId = (max: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isPrintableId',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= max && PRINTABLE.test(value),
        defaultMessage: buildMessage((each) => `${each}$property must be 1 to ${max} printable characters, without spaces, controls or invisible characters`, options),
      },
    },
    options,
  );

/** An upper-case ISO 4217 code whose minor unit the ledger knows, so every amount in it can be rounded. */
export const IsBillingCurrency = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isBillingCurrency',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && knownCurrency(value),
        defaultMessage: buildMessage((each) => `${each}$property must be an upper-case ISO 4217 code the ledger knows the minor unit of (USD, EUR, INR, BRL, ...)`, options),
      },
    },
    options,
  );

/** A free-form object kept as received (Meta's `pricing`), bounded in size. */
export const IsBoundedObject = (maxBytes: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isBoundedObject',
      validator: {
        validate: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && JSON.stringify(value).length <= maxBytes,
        defaultMessage: buildMessage((each) => `${each}$property must be an object of at most ${maxBytes} bytes as JSON`, options),
      },
    },
    options,
  );

/** How deep a JSON value nests, counted without recursion, up to `limit` + 1. */
export function nesting(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}
