import { Rater } from '../../../projections/rating/rating.projection.js';
import type { RateCardBook } from '../../../projections/rating/rate-card-book.js';
import { text } from '../../../projections/shared/compare.js';
import type { PolicyTimeline } from '../../../projections/policies/timeline.js';
import type { AccountContext, BillableUnit } from '../../../projections/thread/thread.types.js';

export interface Charged {
  readonly unit: BillableUnit;
  readonly at: number;
}

/** What re-folds did to one WABA's month since it was last rated. */
export interface MonthChange {
  /** Units that are new, or whose rated fields changed; kept only while `whole` is false. */
  readonly added: Charged[];
  /**
   * The month must be rated from all its units: a rated unit changed or left (everything after
   * it may price differently), or no rater of the month is kept to extend.
   */
  whole: boolean;
}

export const byCharge = (a: Charged, b: Charged): number => a.at - b.at || text(a.unit.id, b.unit.id);

interface Held {
  /** Every unit rated so far. */
  rater: Rater;
  /** The same month before the units in `recent`: a late unit rewinds to it instead of re-rating the month. */
  base: Rater | undefined;
  /** The last units fed, in charge order. */
  recent: Charged[];
  /** The last unit fed to `base`, before `recent` (the last unit rated, when there is no base). */
  baseLast: Charged | undefined;
  readonly book: RateCardBook;
  readonly accounts: ReadonlyMap<string, AccountContext>;
}

/**
 * The raters of recently rated portfolio-months, kept after their drafts were written: when a
 * month only gained units, those alone are fed on, instead of re-reading and re-rating the
 * month. Units charged after the last rated one extend the rater; units charged among its last
 * `recent` ones (webhooks arrive a little out of order) rewind to a copy of the month before
 * those and feed them again with the late ones. Anything else (a unit charged earlier still, a
 * unit changed or gone, a new rate card or account setting) rates the month from all its units.
 * A kept month holds a rater's running counts, and while the units kept for rewinding fit in
 * `budget` across all months, a second rater and its last units; the least recently rated
 * months give theirs up first.
 */
export class MonthRaters {
  private readonly held = new Map<string, Held>();
  private kept = 0;

  constructor(
    private readonly limit: number,
    private readonly recent = 500,
    private readonly budget = 100_000,
  ) {}

  /**
   * The rater of `key` fed with `changes`, when they only add units after its base; undefined
   * when the month must be rated from its units.
   */
  extend(key: string, book: RateCardBook, accounts: ReadonlyMap<string, AccountContext>, changes: readonly (MonthChange | undefined)[]): Rater | undefined {
    const held = this.held.get(key);
    if (!held || held.book !== book || !sameAccounts(held.accounts, accounts)) return undefined;
    const added: Charged[] = [];
    for (const change of changes) {
      if (!change || change.whole) return undefined;
      for (const charged of change.added) added.push(charged);
    }
    added.sort(byCharge);
    const first = added[0];
    const last = held.recent[held.recent.length - 1] ?? held.baseLast;
    if (first && last && byCharge(first, last) <= 0) {
      if (!held.base || (held.baseLast && byCharge(first, held.baseLast) <= 0)) return undefined;
      held.rater = held.base.clone();
      this.keep(held, merge(held.recent, added));
      for (const { unit, at } of held.recent) held.rater.add(unit, at);
    } else {
      held.base ??= held.rater.clone();
      for (const { unit, at } of added) held.rater.add(unit, at);
      this.keep(held, [...held.recent, ...added]);
    }
    this.settle(held);
    this.touch(key, held);
    return held.rater;
  }

  /** A rater for a month rated from all its units, kept for the next time with a base `recent` units back. */
  start(key: string, book: RateCardBook, timeline: PolicyTimeline, accounts: ReadonlyMap<string, AccountContext>, units: readonly Charged[]): Rater {
    this.drop(key);
    const base = new Rater({ accounts, book, timeline, provenance: false, spans: true });
    const split = Math.max(0, units.length - this.recent);
    for (const { unit, at } of units.slice(0, split)) base.add(unit, at);
    const rater = base.clone();
    const held: Held = { rater, base, recent: [], baseLast: units[split - 1], book, accounts };
    this.keep(held, units.slice(split));
    for (const { unit, at } of held.recent) rater.add(unit, at);
    this.touch(key, held);
    return rater;
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  /** Forgets a month whose rating failed part-way: its next rating starts from all its units. */
  discard(key: string): void {
    this.drop(key);
  }

  clear(): void {
    this.held.clear();
    this.kept = 0;
  }

  private keep(held: Held, recent: Charged[]): void {
    this.kept += recent.length - held.recent.length;
    held.recent = recent;
  }

  /** Moves the oldest recent units into the base, so it trails the rater by at most `recent` units. */
  private settle(held: Held): void {
    const excess = held.recent.length - this.recent;
    if (excess <= 0 || !held.base) return;
    for (const { unit, at } of held.recent.slice(0, excess)) held.base.add(unit, at);
    held.baseLast = held.recent[excess - 1];
    this.keep(held, held.recent.slice(excess));
  }

  /** Without its base and recent units a month still extends in order; a late unit rates it whole. */
  private forget(held: Held): void {
    held.baseLast = held.recent[held.recent.length - 1] ?? held.baseLast;
    held.base = undefined;
    this.keep(held, []);
  }

  private drop(key: string): void {
    const held = this.held.get(key);
    if (!held) return;
    this.forget(held);
    this.held.delete(key);
  }

  /** Least recently rated months go first: their units kept for rewinding, then the month. */
  private touch(key: string, held: Held): void {
    this.held.delete(key);
    this.held.set(key, held);
    if (this.held.size > this.limit) this.drop(this.held.keys().next().value!);
    for (const [other, old] of this.held) {
      if (this.kept <= this.budget || other === key) break;
      this.forget(old);
    }
  }
}

/** Two runs in charge order as one. */
function merge(a: readonly Charged[], b: readonly Charged[]): Charged[] {
  const merged: Charged[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) merged.push(j >= b.length || (i < a.length && byCharge(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!);
  return merged;
}

function sameAccounts(a: ReadonlyMap<string, AccountContext>, b: ReadonlyMap<string, AccountContext>): boolean {
  if (a.size !== b.size) return false;
  for (const [waba, account] of a) if (b.get(waba) !== account) return false;
  return true;
}
