import { AccountTerms } from '../accounts/account-terms.js';
import { text } from '../shared/compare.js';
import type { AccountContext, BillableUnit } from '../thread/thread.types.js';
import { parseInstant } from '../time/zone-calendar.js';
import type { Calendar } from '../time/zone-calendar.js';
import { ratedCharge } from './free-tiers.js';
import type { RateCardBook } from './rate-card-book.js';
import type { DraftLine, InvoiceDraft } from './rating.projection.js';

interface Placed {
  readonly index: number;
  readonly line: DraftLine;
  readonly from: number;
  readonly fromId: string;
  readonly to: number;
  readonly toId: string;
}

/**
 * Which line of a stored draft a unit of its month went to, without rating the month again. A
 * line is one market, category, rated charge, card and tier; a volume band's count only grows in
 * charge order, so the units of one market, category, charge and card fall in a band's line
 * exactly between that line's first and last unit. The charge after free allowances comes from
 * the draft's `freeTiers`, the card from the one in force when the unit was priced.
 */
export class LineFinder {
  private readonly lines = new Map<string, Placed[]>();
  private readonly rateCardId: string;
  private readonly calendar: Calendar;

  private constructor(
    readonly draft: InvoiceDraft,
    account: AccountContext,
    private readonly book: RateCardBook,
  ) {
    const terms = AccountTerms.of(account);
    this.calendar = terms.calendar;
    this.rateCardId = terms.month(draft.period).rateCardId;
    draft.lines.forEach((line, index) => {
      const { first, last } = line.span!;
      const key = `${line.market}|${line.category}|${line.charge}`;
      const placed = { index, line, from: parseInstant(first.openedAt), fromId: first.unitId, to: parseInstant(last.openedAt), toId: last.unitId };
      (this.lines.get(key) ?? this.lines.set(key, []).get(key)!).push(placed);
    });
  }

  /** A finder for the draft, or none when it was stored without its lines' spans (rated before they were kept). */
  static of(draft: InvoiceDraft, account: AccountContext, book: RateCardBook): LineFinder | undefined {
    return draft.lines.every((line) => line.span) ? new LineFinder(draft, account, book) : undefined;
  }

  /** The unit's line number in the draft (from 0), or undefined when no line holds it: unpriced, or not rated yet. */
  find(unit: BillableUnit): number | undefined {
    const candidates = this.lines.get(`${unit.market}|${unit.category}|${ratedCharge(unit, this.draft.freeTiers)}`);
    if (!candidates) return undefined;
    const at = parseInstant(unit.openedAt);
    const card = this.book.cardAt(this.rateCardId, parseInstant(unit.pricedAt), this.calendar);
    for (const c of candidates) {
      if (after(at, unit.id, c.from, c.fromId) < 0 || after(at, unit.id, c.to, c.toId) > 0) continue;
      if (c.line.rateCard ? c.line.rateCard.id === card?.id && c.line.rateCard.version === card.version : !card) return c.index;
    }
    return undefined;
  }
}

function after(at: number, id: string, mark: number, markId: string): number {
  return at - mark || text(id, markId);
}
