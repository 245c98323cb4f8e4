import { Decimal } from 'decimal.js';
import type { InvoiceLineData } from '../events.js';
import type { Category, Charge, Era, Policy } from '../policies/policy.js';
import type { PolicyTimeline } from '../policies/timeline.js';
import type { AccountContext, BillableUnit } from '../thread/thread.types.js';
import { dayAfter, parseInstant } from '../time/zone-calendar.js';
import type { Calendar } from '../time/zone-calendar.js';
import { AccountTerms } from '../accounts/account-terms.js';
import type { MonthTerms } from '../accounts/account-terms.js';
import type { RoundingRule } from './currency.js';
import { formatMoney, HALF_UP_PER_LINE, roundMoney } from './currency.js';
import type { Band, Rate, RateCard, RateCardBook } from './rate-card-book.js';
import { text } from '../shared/compare.js';
import { getOrMake } from '../shared/maps.js';
import { UnitsFingerprint } from './units-fingerprint.js';
import type { FreeTierUse } from './free-tiers.js';

export const ENGINE_VERSION = '1.2.0';

/** An invoice line as issued (InvoiceLineData), with the units behind it. */
export interface DraftLine extends InvoiceLineData {
  readonly category: Category;
  readonly charge: Charge;
  /** The units' ids, when rated with provenance (audit replays); never part of the draft's hash. */
  readonly unitIds?: readonly string[];
  /**
   * Its first and last unit in charge order, when rated with spans (stored drafts); never part of
   * the draft's hash. With the free allowances and the card in force, they place any unit of the
   * month on its line without rating the month again (LineFinder).
   */
  readonly span?: { readonly first: ChargeMark; readonly last: ChargeMark };
}

/** A unit's place in charge order: its opening instant, then its id. */
export interface ChargeMark {
  readonly openedAt: string;
  readonly unitId: string;
}

export interface UnpricedUnits {
  readonly market: string;
  readonly category: Category;
  readonly reason: string;
  readonly quantity: number;
  readonly unitIds?: readonly string[];
}

export interface InvoiceDraft {
  readonly wabaId: string;
  readonly portfolioId: string;
  readonly period: string;
  readonly currency: string;
  readonly timezone: string;
  readonly lines: readonly DraftLine[];
  readonly total: string;
  /** Which units make each line (and unpriced group), without listing them: see UnitsFingerprint. */
  readonly units: string;
  /** Charged units no rate card could price: a draft with any is not fit to issue. */
  readonly unpriced: readonly UnpricedUnits[];
  /** The free allowances the month's units used. */
  readonly freeTiers: readonly FreeTierUse[];
  readonly rounding: RoundingRule;
  readonly basis: {
    readonly rateCards: readonly { readonly id: string; readonly version: string }[];
    readonly policies: readonly { readonly era: string; readonly version: string }[];
    readonly engineVersion: string;
    readonly settings: string;
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
  /** The category the card priced it as: the line's rate-card row is `market/priceCategory`. */
  priceCategory: Category;
  count: number;
  unitIds: string[] | undefined;
  first: BillableUnit | undefined;
  last: BillableUnit | undefined;
  /** Its number in the units fingerprint. */
  no: number;
}

interface Unpriced {
  market: string;
  category: Category;
  reason: string;
  count: number;
  unitIds: string[] | undefined;
  no: number;
}

interface Allowance {
  readonly era: string;
  readonly owner: string;
  used: number;
  through: BillableUnit | undefined;
}

interface Sheet {
  account: AccountContext;
  terms: MonthTerms;
  period: string;
  /** Lines by (market, category) pair number: a replay touches one array per unit, no key is built. */
  lines: Pending[][];
  unpriced: Map<string, Unpriced>;
  cards: Map<RateCard, { id: string; version: string }>;
  lastCard: RateCard | undefined;
  eras: Set<string>;
  lastEra: string | undefined;
  allowances: Map<string, Allowance>;
  /** The volume pool this sheet counts in (its portfolio, or itself, in its month), by pair number. */
  volumes: number[] | undefined;
  units: UnitsFingerprint;
  /** Lines and unpriced groups as they opened: their numbers in the units fingerprint. */
  opened: (Pending | Unpriced)[];
}

interface Context {
  account: AccountContext;
  terms: AccountTerms;
  calendar: Calendar;
  sheets: Map<string, Sheet>;
  last: Sheet | undefined;
}

const ZERO = new Decimal(0);

/**
 * Stage 2: the units of one month -> one invoice draft per WABA. Units are taken in the order
 * they were charged (opening instant, then id) across every thread and WABA, because free
 * allowances and volume tiers count in that order; a portfolio's WABAs share volume counts
 * per market and category, each WABA in its own local month.
 */
export function rateMonth(input: RatingInput): Map<string, InvoiceDraft> {
  const rater = new Rater(input);
  const inPeriod: { unit: BillableUnit; at: number }[] = [];
  for (const unit of input.units) {
    const at = parseInstant(unit.openedAt);
    if (rater.periodOf(unit, at) === input.period) inPeriod.push({ unit, at });
  }
  inPeriod.sort((a, b) => a.at - b.at || text(a.unit.id, b.unit.id));
  for (const { unit, at } of inPeriod) rater.add(unit, at);
  const drafts = new Map<string, InvoiceDraft>();
  for (const account of input.accounts.values()) drafts.set(account.wabaId, rater.draft(account.wabaId, input.period));
  return drafts;
}

export interface RaterOptions {
  readonly accounts: ReadonlyMap<string, AccountContext>;
  readonly book: RateCardBook;
  readonly timeline: PolicyTimeline;
  readonly rounding?: RoundingRule;
  /** List every line's unit ids (line -> units provenance). Off where drafts are stored or rated again and again. */
  readonly provenance?: boolean;
  /** Give every line its span in charge order: what stored drafts keep so that a line's units can be found again. */
  readonly spans?: boolean;
}

/**
 * The rating state machine behind rateMonth, fed one unit at a time in charge order: a
 * streaming replay rates as it goes and never holds a month of units.
 */
export class Rater {
  private readonly contexts = new Map<string, Context>();
  private readonly pools = new Map<string, number[]>();
  private readonly pairs = new Map<string, Map<string, number>>();
  private pairCount = 0;
  private readonly rounding: RoundingRule;
  private readonly provenance: boolean;
  private readonly spans: boolean;

  constructor(private readonly options: RaterOptions) {
    this.rounding = options.rounding ?? HALF_UP_PER_LINE;
    this.provenance = options.provenance ?? true;
    this.spans = options.spans ?? false;
  }

  periodOf(unit: BillableUnit, at = parseInstant(unit.openedAt)): string {
    return this.context(unit.wabaId).calendar.month(at);
  }

  /** Units must arrive in charge order: opening instant, then id. */
  add(unit: BillableUnit, at = parseInstant(unit.openedAt)): void {
    const context = this.context(unit.wabaId);
    const { account, calendar } = context;
    const period = calendar.month(at);
    const sheet = context.last?.period === period ? context.last : this.sheet(context, period);
    const policy = this.options.timeline.policy(unit.era);
    if (sheet.lastEra !== policy.era) {
      sheet.eras.add(policy.era);
      sheet.lastEra = policy.era;
    }
    const pricedAt = unit.pricedAt === unit.openedAt ? at : parseInstant(unit.pricedAt);
    const rateCardId = sheet.terms.rateCardId;
    const card = this.options.book.cardAt(rateCardId, pricedAt, calendar);
    if (card && card !== sheet.lastCard) {
      if (!sheet.cards.has(card)) sheet.cards.set(card, { id: card.id, version: card.version });
      sheet.lastCard = card;
    }
    const pair = this.pairOf(unit.market, unit.category);
    // The column that prices it: its own, or the fallback's on a card without one (looked up only where a policy names a fallback).
    const fallback = policy.priceFallback?.[unit.category];
    const priceCategory: Category = fallback && card && !card.rate(unit.market, unit.category) && card.rate(unit.market, fallback) ? fallback : unit.category;

    let charge = unit.charge;
    const free = policy.freeTier;
    if (charge === 'regular' && free && takesFreeTier(policy, unit, at, calendar)) {
      const owner = free.per === 'waba' ? unit.wabaId : unit.phoneNumberId;
      const key = `${policy.era}|${owner}`;
      let allowance = sheet.allowances.get(key);
      if (!allowance) sheet.allowances.set(key, (allowance = { era: policy.era, owner, used: 0, through: undefined }));
      if (allowance.used < free.allowance) {
        allowance.used += 1;
        allowance.through = unit;
        charge = 'free_tier';
      }
    }
    if (charge !== 'regular') {
      this.line(sheet, pair, unit, priceCategory, charge, undefined, card, undefined);
      return;
    }
    const rate = card?.rate(unit.market, priceCategory);
    if (!card || !rate) {
      const reason = card ? `rate card ${card.id} ${card.version} has no ${priceCategory} rate for ${unit.market}` : `no rate card ${rateCardId} in force at ${unit.pricedAt}`;
      const key = `${unit.market}|${unit.category}|${reason}`;
      let entry = sheet.unpriced.get(key);
      if (!entry) {
        entry = { market: unit.market, category: unit.category, reason, count: 0, unitIds: this.provenance ? [] : undefined, no: sheet.opened.length };
        sheet.unpriced.set(key, entry);
        sheet.opened.push(entry);
      }
      entry.count += 1;
      entry.unitIds?.push(unit.id);
      sheet.units.add(unit.id, entry.no);
      return;
    }
    let band: Band | undefined;
    const tiers = policy.volumeTiers;
    if (tiers && tiers.categories.includes(unit.category)) {
      const volumes = (sheet.volumes ??= this.pool(tiers.pool === 'portfolio' ? `p:${account.portfolioId}` : `w:${account.wabaId}`, period));
      const counted = tiers.countAs?.[unit.category];
      const slot = counted ? this.pairOf(unit.market, counted) : pair;
      const n = (volumes[slot] ?? 0) + 1;
      volumes[slot] = n;
      band = card.band(unit.market, priceCategory, n);
    }
    this.line(sheet, pair, unit, priceCategory, charge, band, card, rate);
  }

  draft(wabaId: string, period: string): InvoiceDraft {
    const context = this.context(wabaId);
    return finish(context.sheets.get(period) ?? this.sheet(context, period), period, this.options.timeline, this.rounding);
  }

  /** An independent rater in the same state: fed on, it answers as this one would, and leaves this one alone. */
  clone(): Rater {
    const copy = new Rater(this.options);
    copy.pairCount = this.pairCount;
    for (const [market, byCategory] of this.pairs) copy.pairs.set(market, new Map(byCategory));
    // A sheet's volumes are its pool's array: the copies must share their copied array the same way.
    const pools = new Map<number[], number[]>();
    for (const [key, counts] of this.pools) {
      const counted = [...counts];
      pools.set(counts, counted);
      copy.pools.set(key, counted);
    }
    for (const [waba, context] of this.contexts) {
      const sheets = new Map([...context.sheets].map(([period, sheet]) => [period, cloneSheet(sheet, pools)]));
      copy.contexts.set(waba, { account: context.account, terms: context.terms, calendar: context.calendar, sheets, last: context.last && sheets.get(context.last.period) });
    }
    return copy;
  }

  /** Every (WABA, period) the rater has seen a unit for. */
  periods(): { wabaId: string; period: string }[] {
    return [...this.contexts.values()].flatMap((c) => [...c.sheets.keys()].map((period) => ({ wabaId: c.account.wabaId, period })));
  }

  private context(wabaId: string): Context {
    let context = this.contexts.get(wabaId);
    if (!context) {
      const account = this.options.accounts.get(wabaId);
      if (!account) throw new RangeError(`WABA ${wabaId} is not among the accounts rated`);
      const terms = AccountTerms.of(account);
      context = { account, terms, calendar: terms.calendar, sheets: new Map(), last: undefined };
      this.contexts.set(wabaId, context);
    }
    return context;
  }

  private sheet(context: Context, period: string): Sheet {
    let sheet = context.sheets.get(period);
    if (!sheet) {
      sheet = { account: context.account, terms: context.terms.month(period), period, lines: [], unpriced: new Map(), cards: new Map(), lastCard: undefined, eras: new Set(), lastEra: undefined, allowances: new Map(), volumes: undefined, units: new UnitsFingerprint(), opened: [] };
      context.sheets.set(period, sheet);
    }
    context.last = sheet;
    return sheet;
  }

  private pool(owner: string, period: string): number[] {
    return getOrMake(this.pools, `${owner}|${period}`, (): number[] => []);
  }

  /** A small number per (market, category) met so far. */
  private pairOf(market: string, category: string): number {
    let byCategory = this.pairs.get(market);
    if (!byCategory) this.pairs.set(market, (byCategory = new Map<string, number>()));
    let pair = byCategory.get(category);
    if (pair === undefined) byCategory.set(category, (pair = this.pairCount++));
    return pair;
  }

  private line(sheet: Sheet, pair: number, unit: BillableUnit, priceCategory: Category, charge: Charge, band: Band | undefined, card: RateCard | undefined, rate: Rate | undefined): void {
    let lines = sheet.lines[pair];
    if (!lines) sheet.lines[pair] = lines = [];
    const price = band ?? rate;
    const priceText = price?.priceText ?? '0';
    const label = band?.label ?? null;
    let line: Pending | undefined;
    for (const candidate of lines) {
      if (candidate.charge === charge && candidate.tier === label && candidate.card === card && candidate.priceText === priceText) {
        line = candidate;
        break;
      }
    }
    if (!line) {
      line = {
        market: unit.market,
        category: unit.category,
        charge,
        tier: label,
        price: price?.price ?? ZERO,
        priceText,
        card,
        priceCategory,
        count: 0,
        unitIds: this.provenance ? [] : undefined,
        first: undefined,
        last: undefined,
        no: sheet.opened.length,
      };
      lines.push(line);
      sheet.opened.push(line);
    }
    line.count += 1;
    line.unitIds?.push(unit.id);
    if (this.spans) {
      line.first ??= unit;
      line.last = unit;
    }
    sheet.units.add(unit.id, line.no);
  }
}

function cloneSheet(sheet: Sheet, pools: ReadonlyMap<number[], number[]>): Sheet {
  const copies = new Map<Pending | Unpriced, Pending | Unpriced>();
  const copied = <T extends Pending | Unpriced>(group: T): T => {
    const copy = { ...group, unitIds: group.unitIds && [...group.unitIds] };
    copies.set(group, copy);
    return copy;
  };
  return {
    ...sheet,
    lines: sheet.lines.map((lines) => lines.map(copied)),
    unpriced: new Map([...sheet.unpriced].map(([key, entry]) => [key, copied(entry)])),
    cards: new Map(sheet.cards),
    eras: new Set(sheet.eras),
    allowances: new Map([...sheet.allowances].map(([key, allowance]) => [key, { ...allowance }])),
    volumes: sheet.volumes && pools.get(sheet.volumes),
    units: sheet.units.copy(),
    opened: sheet.opened.map((group) => copies.get(group)!),
  };
}

export function takesFreeTier(policy: Policy, unit: BillableUnit, at: number, calendar: Calendar): boolean {
  const tier = policy.freeTier;
  if (!tier) return false;
  if (tier.categories !== 'all' && !tier.categories.includes(unit.category)) return false;
  return tier.until === undefined || at < calendar.midnight(dayAfter(tier.until));
}

function finish(sheet: Sheet, period: string, timeline: PolicyTimeline, rounding: RoundingRule): InvoiceDraft {
  const { account, terms } = sheet;
  let total = ZERO;
  const pending: Pending[] = [];
  for (const group of sheet.lines) if (group) for (const line of group) pending.push(line);
  const zero = formatMoney(ZERO, terms.currency);
  const lines: DraftLine[] = pending.map((line) => {
    const rateCard = line.card ? { id: line.card.id, version: line.card.version, row: `${line.market}/${line.priceCategory}` } : null;
    // Free lines are most lines of a month: they skip the decimal arithmetic.
    let exactAmount = '0';
    let amount = zero;
    if (!line.price.isZero()) {
      const exact = line.price.times(line.count);
      const rounded = roundMoney(exact, terms.currency, rounding);
      total = total.plus(rounded);
      exactAmount = exact.toString();
      amount = formatMoney(rounded, terms.currency);
    }
    const { market, category, charge, tier, count: quantity, priceText: unitPrice, unitIds, first, last } = line;
    // One shape per kind of draft: a literal, not a conditional spread.
    if (unitIds) return { market, category, charge, tier, quantity, unitPrice, exactAmount, amount, rateCard, unitIds: [...unitIds] };
    if (first && last) return { market, category, charge, tier, quantity, unitPrice, exactAmount, amount, rateCard, span: { first: markOf(first), last: markOf(last) } };
    return { market, category, charge, tier, quantity, unitPrice, exactAmount, amount, rateCard };
  });
  lines.sort(compareLines);
  return {
    wabaId: account.wabaId,
    portfolioId: account.portfolioId,
    period,
    currency: terms.currency,
    timezone: terms.timezone,
    lines,
    total: formatMoney(total, terms.currency),
    units: sheet.units.seal(sheet.opened.map(describe)),
    unpriced: [...sheet.unpriced.values()]
      .map(({ market, category, reason, count, unitIds }) => ({ market, category, reason, quantity: count, ...listed(unitIds) }))
      .sort((a, b) => text(a.market, b.market) || text(a.category, b.category) || text(a.reason, b.reason)),
    freeTiers: [...sheet.allowances.values()].map((a) => freeTierUse(a, timeline)).sort((a, b) => text(a.era, b.era) || text(a.owner, b.owner)),
    rounding,
    basis: {
      rateCards: [...sheet.cards.values()].sort((a, b) => text(a.id, b.id) || text(a.version, b.version)),
      policies: timeline.versions().filter((p) => sheet.eras.has(p.era)),
      engineVersion: ENGINE_VERSION,
      settings: AccountTerms.of(account).settingsOf(period),
    },
  };
}

function freeTierUse(allowance: Allowance, timeline: PolicyTimeline): FreeTierUse {
  const tier = timeline.policy(allowance.era as Era).freeTier!;
  const through = allowance.through!;
  return { era: allowance.era, owner: allowance.owner, per: tier.per, categories: tier.categories, allowance: tier.allowance, used: allowance.used, through: { openedAt: through.openedAt, unitId: through.id } };
}

const markOf = (unit: BillableUnit): ChargeMark => ({ openedAt: unit.openedAt, unitId: unit.id });

function describe(group: Pending | Unpriced): string {
  if ('reason' in group) return `unpriced|${group.market}|${group.category}|${group.reason}`;
  return `${group.market}|${group.category}|${group.charge}|${group.tier ?? ''}|${group.card ? `${group.card.id}@${group.card.version}` : ''}|${group.priceText}`;
}

/** Copied: a draft must not change when its rater goes on. */
function listed(unitIds: readonly string[] | undefined): { unitIds?: readonly string[] } {
  return unitIds ? { unitIds: [...unitIds] } : {};
}

/** A line's unit ids: only a draft rated with provenance lists them, and explaining without them would be wrong. */
export function lineUnits(line: DraftLine): readonly string[] {
  if (!line.unitIds) throw new RangeError(`line ${line.market}/${line.category}/${line.charge} was rated without provenance`);
  return line.unitIds;
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

