import { Decimal } from 'decimal.js';
import type { Category, Charge, Policy } from '../policies/policy.js';
import type { PolicyTimeline } from '../policies/timeline.js';
import type { AccountContext, BillableUnit } from '../thread/thread.types.js';
import { dayAfter, ZoneCalendar } from '../time/zone-calendar.js';
import type { RoundingRule } from './currency.js';
import { formatMoney, HALF_UP_PER_LINE, roundMoney } from './currency.js';
import type { RateCard, RateCardBook } from './rate-card-book.js';
import { text } from '../shared/compare.js';

export const ENGINE_VERSION = '1.0.0';

export interface DraftLine {
  readonly market: string;
  readonly category: Category;
  readonly charge: Charge;
  /** The volume band `from-to` the units fell in, or null. */
  readonly tier: string | null;
  readonly quantity: number;
  readonly unitPrice: string;
  /** quantity × unit price, unrounded. */
  readonly exactAmount: string;
  /** Rounded to the currency's minor unit by the draft's rounding rule. */
  readonly amount: string;
  readonly rateCard: { readonly id: string; readonly version: string; readonly row: string } | null;
  readonly unitIds: readonly string[];
}

export interface UnpricedUnits {
  readonly market: string;
  readonly category: Category;
  readonly reason: string;
  readonly unitIds: readonly string[];
}

export interface InvoiceDraft {
  readonly wabaId: string;
  readonly portfolioId: string;
  readonly period: string;
  readonly currency: string;
  readonly timezone: string;
  readonly lines: readonly DraftLine[];
  readonly total: string;
  /** Charged units no rate card could price: a draft with any is not fit to issue. */
  readonly unpriced: readonly UnpricedUnits[];
  readonly rounding: RoundingRule;
  readonly basis: {
    readonly rateCards: readonly { readonly id: string; readonly version: string }[];
    readonly policies: readonly { readonly era: string; readonly version: string }[];
    readonly engineVersion: string;
  };
}

export interface RatingInput {
  /** YYYY-MM, in each WABA's own time zone. */
  readonly period: string;
  /** Every WABA whose units are given: a portfolio's volume tiers pool them. */
  readonly accounts: ReadonlyMap<string, AccountContext>;
  /** Units of those WABAs; units outside the period are ignored. */
  readonly units: Iterable<BillableUnit>;
  readonly book: RateCardBook;
  readonly timeline: PolicyTimeline;
  readonly rounding?: RoundingRule;
}

interface Pending {
  market: string;
  category: Category;
  charge: Charge;
  tier: string | null;
  price: Decimal;
  priceText: string;
  card: RateCard | undefined;
  row: string;
  unitIds: string[];
}

interface Sheet {
  account: AccountContext;
  lines: Map<string, Pending>;
  unpriced: Map<string, UnpricedUnits & { unitIds: string[] }>;
  cards: Map<string, { id: string; version: string }>;
  eras: Set<string>;
}

const ZERO = new Decimal(0);

/**
 * Stage 2: the units of one month -> one invoice draft per WABA. Units are taken in the order
 * they were charged (opening instant, then id) across every thread and WABA, because free
 * allowances and volume tiers count in that order; a portfolio's WABAs share volume counts
 * per market and category, each WABA in its own local month.
 */
export function rateMonth(input: RatingInput): Map<string, InvoiceDraft> {
  const rounding = input.rounding ?? HALF_UP_PER_LINE;
  const inPeriod: { unit: BillableUnit; account: AccountContext; at: number }[] = [];
  for (const unit of input.units) {
    const account = input.accounts.get(unit.wabaId);
    if (!account) throw new RangeError(`unit ${unit.id} belongs to WABA ${unit.wabaId}, which is not among the accounts rated`);
    const at = Date.parse(unit.openedAt);
    if (ZoneCalendar.of(account.timezone).month(at) === input.period) inPeriod.push({ unit, account, at });
  }
  inPeriod.sort((a, b) => a.at - b.at || (a.unit.id < b.unit.id ? -1 : a.unit.id > b.unit.id ? 1 : 0));

  const sheets = new Map<string, Sheet>();
  for (const account of input.accounts.values()) {
    sheets.set(account.wabaId, { account, lines: new Map(), unpriced: new Map(), cards: new Map(), eras: new Set() });
  }
  const allowances = new Map<string, number>();
  const volumes = new Map<string, number>();

  for (const { unit, account, at } of inPeriod) {
    const sheet = sheets.get(account.wabaId)!;
    const policy = input.timeline.policy(unit.era);
    sheet.eras.add(policy.era);
    const calendar = ZoneCalendar.of(account.timezone);
    const pricedAt = unit.pricedAt === unit.openedAt ? at : Date.parse(unit.pricedAt);
    const card = input.book.cardAt(account.rateCardId, pricedAt, calendar);
    if (card) sheet.cards.set(`${card.id}@${card.version}`, { id: card.id, version: card.version });
    const priceCategory = policy.priceAs?.[unit.category] ?? unit.category;
    const row = `${unit.market}/${priceCategory}`;

    let charge = unit.charge;
    if (charge === 'regular' && takesFreeTier(policy, unit, at, calendar)) {
      const key = `${policy.era}|${policy.freeTier!.per === 'waba' ? unit.wabaId : unit.phoneNumberId}`;
      const used = allowances.get(key) ?? 0;
      if (used < policy.freeTier!.allowance) {
        allowances.set(key, used + 1);
        charge = 'free_tier';
      }
    }
    if (charge !== 'regular') {
      add(sheet, { market: unit.market, category: unit.category, charge, tier: null, price: ZERO, priceText: '0', card, row, unitIds: [] }, unit.id);
      continue;
    }
    const rate = card?.rate(unit.market, priceCategory);
    if (!card || !rate) {
      const reason = card ? `rate card ${card.id} ${card.version} has no ${priceCategory} rate for ${unit.market}` : `no rate card ${account.rateCardId} in force at ${unit.pricedAt}`;
      const key = `${unit.market}|${unit.category}|${reason}`;
      const entry = sheet.unpriced.get(key) ?? { market: unit.market, category: unit.category, reason, unitIds: [] };
      entry.unitIds.push(unit.id);
      sheet.unpriced.set(key, entry);
      continue;
    }
    let price = rate.price;
    let priceText = rate.priceText;
    let tier: string | null = null;
    if (policy.volumeTiers?.categories.includes(unit.category)) {
      const pool = policy.volumeTiers.pool === 'portfolio' ? `p:${account.portfolioId}` : `w:${account.wabaId}`;
      const key = `${pool}|${unit.market}|${unit.category}`;
      const n = (volumes.get(key) ?? 0) + 1;
      volumes.set(key, n);
      const band = card.band(unit.market, priceCategory, n);
      if (band) {
        price = band.price;
        priceText = band.priceText;
        tier = band.label;
      }
    }
    add(sheet, { market: unit.market, category: unit.category, charge, tier, price, priceText, card, row, unitIds: [] }, unit.id);
  }

  const drafts = new Map<string, InvoiceDraft>();
  for (const [wabaId, sheet] of sheets) drafts.set(wabaId, finish(sheet, input, rounding));
  return drafts;
}

function takesFreeTier(policy: Policy, unit: BillableUnit, at: number, calendar: ZoneCalendar): boolean {
  const tier = policy.freeTier;
  if (!tier) return false;
  if (tier.categories !== 'all' && !tier.categories.includes(unit.category)) return false;
  return tier.until === undefined || at < calendar.midnight(dayAfter(tier.until));
}

function add(sheet: Sheet, line: Pending, unitId: string): void {
  const key = `${line.market}|${line.category}|${line.charge}|${line.tier ?? ''}|${line.card?.id ?? ''}|${line.card?.version ?? ''}|${line.priceText}`;
  const existing = sheet.lines.get(key);
  if (existing) existing.unitIds.push(unitId);
  else sheet.lines.set(key, { ...line, unitIds: [unitId] });
}

function finish(sheet: Sheet, input: RatingInput, rounding: RoundingRule): InvoiceDraft {
  const { account } = sheet;
  let total = ZERO;
  const lines: DraftLine[] = [...sheet.lines.values()].map((line) => {
    const exact = line.price.times(line.unitIds.length);
    const amount = roundMoney(exact, account.currency, rounding);
    total = total.plus(amount);
    return {
      market: line.market,
      category: line.category,
      charge: line.charge,
      tier: line.tier,
      quantity: line.unitIds.length,
      unitPrice: line.priceText,
      exactAmount: exact.toString(),
      amount: formatMoney(amount, account.currency),
      rateCard: line.card ? { id: line.card.id, version: line.card.version, row: line.row } : null,
      unitIds: line.unitIds,
    };
  });
  lines.sort(compareLines);
  return {
    wabaId: account.wabaId,
    portfolioId: account.portfolioId,
    period: input.period,
    currency: account.currency,
    timezone: account.timezone,
    lines,
    total: formatMoney(total, account.currency),
    unpriced: [...sheet.unpriced.values()].sort((a, b) => text(a.market, b.market) || text(a.category, b.category) || text(a.reason, b.reason)),
    rounding,
    basis: {
      rateCards: [...sheet.cards.values()].sort((a, b) => text(a.id, b.id) || text(a.version, b.version)),
      policies: input.timeline.versions().filter((p) => sheet.eras.has(p.era)),
      engineVersion: ENGINE_VERSION,
    },
  };
}

const CHARGE_ORDER: Record<Charge, number> = { regular: 0, free_tier: 1, free_entry_point: 2, free_customer_service: 3 };

/** Canonical line order: the hash depends on it. */
export function compareLines(a: DraftLine, b: DraftLine): number {
  return (
    text(a.market, b.market) ||
    text(a.category, b.category) ||
    CHARGE_ORDER[a.charge] - CHARGE_ORDER[b.charge] ||
    tierStart(a.tier) - tierStart(b.tier) ||
    text(a.rateCard?.version ?? '', b.rateCard?.version ?? '') ||
    text(a.unitPrice, b.unitPrice)
  );
}

function tierStart(tier: string | null): number {
  return tier === null ? 0 : Number(tier.split('-')[0]);
}

