import { parse } from 'csv-parse/sync';
import type { RateCardPublishedData, RateRow, TierRow } from '../events.js';

/** A rate-card CSV Meta's way that cannot be read: names the line and column at fault. */
export class RateCardCsvError extends Error {
  readonly code = 'RATE_CARD_CSV_INVALID';
  constructor(
    readonly line: number,
    readonly column: string | undefined,
    reason: string,
  ) {
    super(`line ${line}${column ? `, column "${column}"` : ''}: ${reason}`);
    this.name = 'RateCardCsvError';
  }
}

const CURRENCIES: Readonly<Record<string, string>> = {
  $US: 'USD', US$: 'USD', $: 'USD', USD: 'USD',
  A$: 'AUD', AUD: 'AUD',
  '£': 'GBP', GBP: 'GBP', GBD: 'GBP',
  '₹': 'INR', INR: 'INR',
  RP: 'IDR', IDR: 'IDR',
  '€': 'EUR', EUR: 'EUR',
  R$: 'BRL', BRL: 'BRL',
  MX$: 'MXN', MXN: 'MXN',
};

const COLUMNS: Readonly<Record<string, string>> = {
  marketing: 'marketing',
  utility: 'utility',
  authentication: 'authentication',
  'authentication-international': 'authentication_international',
  'authentication international': 'authentication_international',
  service: 'service',
  'business-initiated': 'business_initiated',
  'user-initiated': 'user_initiated',
};

const NO_RATE = new Set(['', 'n/a', '--', '-', 'na']);
const PRICE = /^\d+(\.\d+)?$/;
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

interface Line {
  line: number;
  cells: string[];
}

export interface RateCardCsvOptions {
  readonly rateCardId?: string;
  readonly version?: string;
  /** ISO 4217; when given, every row's currency must agree with it. */
  readonly currency?: string;
  /** YYYY-MM-DD; read from the title ("effective October 1, 2025") when not given. */
  readonly effectiveFrom?: string;
  /** The separate tier CSV, when the card has volume tiers. */
  readonly tiers?: string;
}

export function normaliseHeader(cell: string): string {
  return cell.replace(/\s*-\s*/g, '-').replace(/\s+/g, ' ').trim().toLowerCase();
}

function currencyOf(symbol: string, at: Line, column: string): string {
  const iso = CURRENCIES[symbol.trim()] ?? CURRENCIES[symbol.trim().toUpperCase()];
  if (!iso) throw new RateCardCsvError(at.line, column, `unknown currency "${symbol}"`);
  return iso;
}

function lines(text: string): Line[] {
  try {
    const records = parse(text, { relax_column_count: true, skip_empty_lines: false, info: true, bom: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return records.map(({ record, info }) => ({ line: info.lines, cells: record.map((c) => c.trim()) }));
  } catch (error) {
    const e = error as { lines?: number; message: string };
    throw new RateCardCsvError(e.lines ?? 0, undefined, `not readable as CSV: ${e.message}`);
  }
}

function effectiveFromTitle(all: Line[]): string | undefined {
  for (const { cells } of all) {
    const match = /effective\s+([a-z]+)\s+(\d{1,2}),\s*(\d{4})/i.exec(cells.join(', '));
    if (match) {
      const month = MONTHS.indexOf(match[1]!.toLowerCase());
      if (month >= 0) return `${match[3]}-${String(month + 1).padStart(2, '0')}-${match[2]!.padStart(2, '0')}`;
    }
  }
  return undefined;
}

/**
 * Reads one of Meta's rate-card CSVs: title and note rows, then a header starting `Market,
 * Currency`, then one row per market. Per-message and per-conversation layouts, the quoted line
 * break in the authentication-international header, currency symbols and `n/a` / `--`.
 */
export function parseRateCardCsv(text: string, options: RateCardCsvOptions = {}): RateCardPublishedData {
  const all = lines(text);
  const headerAt = all.findIndex((l) => normaliseHeader(l.cells[0] ?? '') === 'market');
  if (headerAt < 0) throw new RateCardCsvError(all.length, 'Market', 'no header row starting with "Market"');
  const header = all[headerAt]!;
  if (normaliseHeader(header.cells[1] ?? '') !== 'currency') throw new RateCardCsvError(header.line, header.cells[1], 'the second column must be "Currency"');
  const columns = header.cells.slice(2).map((cell) => {
    const category = COLUMNS[normaliseHeader(cell)];
    if (!category) throw new RateCardCsvError(header.line, cell, 'not a rate column Meta prints');
    return { name: cell.replace(/\s+/g, ' '), category };
  });

  let currency = options.currency;
  const rates: RateRow[] = [];
  for (const row of all.slice(headerAt + 1)) {
    const [market = '', symbol = '', ...cells] = row.cells;
    if (market === '' && row.cells.every((c) => c === '')) continue;
    if (market === '') throw new RateCardCsvError(row.line, 'Market', 'a rate row needs a market');
    if (cells.length < columns.length || (cells.length > columns.length && cells.slice(columns.length).some((c) => c !== ''))) {
      throw new RateCardCsvError(row.line, undefined, `has ${cells.length + 2} columns, the header ${columns.length + 2}`);
    }
    const iso = currencyOf(symbol, row, 'Currency');
    if (currency && currency !== iso) throw new RateCardCsvError(row.line, 'Currency', `${symbol} is ${iso}, the card is ${currency}`);
    currency = iso;
    columns.forEach((column, i) => {
      const cell = cells[i] ?? '';
      if (NO_RATE.has(cell.toLowerCase())) return;
      if (!PRICE.test(cell)) throw new RateCardCsvError(row.line, column.name, `"${cell}" is not a price`);
      rates.push({ market, category: column.category, price: cell });
    });
  }
  if (rates.length === 0) throw new RateCardCsvError(header.line, undefined, 'no rates below the header');
  const effectiveFrom = options.effectiveFrom ?? effectiveFromTitle(all.slice(0, headerAt));
  if (!effectiveFrom || !/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom)) {
    throw new RateCardCsvError(all[0]?.line ?? 1, undefined, 'no effective date: give one, or keep the title "…effective Month D, YYYY"');
  }
  const tiers = options.tiers === undefined ? undefined : parseTierCsv(options.tiers);
  return {
    rateCardId: options.rateCardId ?? `meta-${currency!}`,
    version: options.version ?? effectiveFrom,
    currency: currency!,
    effectiveFrom,
    rates,
    ...(tiers ? { tiers } : {}),
  };
}

const TIER_HEADER = ['market', 'currency', 'from', 'to', 'rate type', 'rate', 'vs. list rate'];
const TIER_ORDER = ['utility', 'authentication', 'authentication_international'];

/**
 * Meta's volume-tier CSV: `Market, Currency, From, To, Rate type, Rate, vs. List rate` repeated
 * side by side (or in sections) for utility, authentication and authentication-international.
 * A market's name stands only on its first row; volumes carry thousands separators; `--` is
 * no upper bound; a first band written from 0 covers messages 1 onwards.
 */
export function parseTierCsv(text: string): TierRow[] {
  const all = lines(text);
  const tiers: TierRow[] = [];
  let groups: { start: number; category: string; market: string }[] = [];
  let title: Line | undefined;
  for (const row of all) {
    const starts = row.cells.flatMap((cell, i) => (normaliseHeader(cell) === 'market' && normaliseHeader(row.cells[i + 2] ?? '') === 'from' ? [i] : []));
    if (starts.length > 0) {
      groups = starts.map((start, n) => {
        TIER_HEADER.forEach((name, k) => {
          if (normaliseHeader(row.cells[start + k] ?? '') !== name) throw new RateCardCsvError(row.line, row.cells[start + k], `expected "${name}"`);
        });
        const named = title ? COLUMNS[normaliseHeader(title.cells[start] ?? '')] ?? COLUMNS[normaliseHeader(title.cells.find((c) => c !== '') ?? '')] : undefined;
        const category = starts.length > 1 ? (named && title?.cells[start] ? named : TIER_ORDER[n]) : named ?? TIER_ORDER[0];
        if (!category) throw new RateCardCsvError(row.line, undefined, 'cannot tell which category this tier table is for');
        return { start, category, market: '' };
      });
      title = undefined;
      continue;
    }
    if (groups.length === 0) {
      if (row.cells.some((c) => c !== '')) title = row;
      continue;
    }
    if (row.cells.every((c) => c === '')) continue;
    if (groups.every((g) => (row.cells[g.start + 2] ?? '') === '')) {
      groups = [];
      title = row;
      continue;
    }
    for (const group of groups) {
      const cell = (k: number) => row.cells[group.start + k] ?? '';
      if (cell(2) === '' && cell(5) === '') continue;
      if (cell(0) !== '') group.market = cell(0);
      if (group.market === '') throw new RateCardCsvError(row.line, 'Market', 'a tier row before any market name');
      const from = volume(cell(2), row, 'From');
      const to = cell(3) === '--' || cell(3) === '' ? undefined : volume(cell(3), row, 'To');
      const price = cell(5);
      if (!PRICE.test(price)) throw new RateCardCsvError(row.line, 'Rate', `"${price}" is not a price`);
      if (to !== undefined && to < Math.max(from, 1)) throw new RateCardCsvError(row.line, 'To', `band ends (${to}) before it starts (${from})`);
      tiers.push({ market: group.market, category: group.category, from: Math.max(from, 1), ...(to !== undefined ? { to } : {}), price });
    }
  }
  if (tiers.length === 0) throw new RateCardCsvError(all.length, undefined, 'no tier rows found');
  return tiers;
}

function volume(cell: string, row: Line, column: string): number {
  const digits = cell.replace(/[,\s]/g, '');
  if (!/^\d+$/.test(digits)) throw new RateCardCsvError(row.line, column, `"${cell}" is not a message count`);
  return Number(digits);
}
