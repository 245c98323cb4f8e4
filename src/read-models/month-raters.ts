import { Rater } from '../../projections/rating/rating.projection.js';
import type { RateCardBook } from '../../projections/rating/rate-card-book.js';
import { text } from '../../projections/shared/compare.js';
import type { PolicyTimeline } from '../../projections/policies/timeline.js';
import type { AccountContext, BillableUnit } from '../../projections/thread/thread.types.js';

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
  readonly rater: Rater;
  readonly book: RateCardBook;
  readonly accounts: ReadonlyMap<string, AccountContext>;
  last: Charged | undefined;
}

/**
 * The raters of recently rated portfolio-months, kept after their drafts were written: when a
 * month only gained units charged after its last rated one, those alone are fed on, instead of
 * re-reading and re-rating the month. A rater holds running counts, not units. Anything else
 * (a unit changed or charged earlier, a new rate card or account setting) rates the month again.
 */
export class MonthRaters {
  private readonly held = new Map<string, Held>();

  constructor(private readonly limit: number) {}

  /**
   * The rater of `key` fed with `changes`, when they only append to what it rated; undefined when
   * the month must be rated from its units.
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
    if (held.last && added[0] && byCharge(added[0], held.last) <= 0) return undefined;
    for (const { unit, at } of added) held.rater.add(unit, at);
    if (added.length) held.last = added[added.length - 1];
    this.touch(key, held);
    return held.rater;
  }

  /** A fresh rater for a month rated from all its units, kept for the next time. */
  start(key: string, book: RateCardBook, timeline: PolicyTimeline, accounts: ReadonlyMap<string, AccountContext>, units: readonly Charged[]): Rater {
    const rater = new Rater({ accounts, book, timeline, provenance: false });
    for (const { unit, at } of units) rater.add(unit, at);
    this.touch(key, { rater, book, accounts, last: units[units.length - 1] });
    return rater;
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  clear(): void {
    this.held.clear();
  }

  /** Least recently rated months go first. */
  private touch(key: string, held: Held): void {
    this.held.delete(key);
    this.held.set(key, held);
    if (this.held.size > this.limit) this.held.delete(this.held.keys().next().value!);
  }
}

function sameAccounts(a: ReadonlyMap<string, AccountContext>, b: ReadonlyMap<string, AccountContext>): boolean {
  if (a.size !== b.size) return false;
  for (const [waba, account] of a) if (b.get(waba) !== account) return false;
  return true;
}
