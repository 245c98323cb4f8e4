import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, cards } from '../../test/support/engine-kit.js';
import type { RateCardPublishedData } from '../events.js';
import { draftHash } from '../invoices/invoice-hash.js';
import type { Category, Charge, Era } from '../policies/policy.js';
import { PolicyTimeline } from '../policies/timeline.js';
import type { BillableUnit } from '../thread/thread.types.js';
import { LineFinder } from './line-finder.js';
import { RateCardBook } from './rate-card-book.js';
import { Rater } from './rating.projection.js';
import type { InvoiceDraft } from './rating.projection.js';

const timeline = new PolicyTimeline();

/** The 2026 card with narrow volume bands, and a second version from the 15th that moves them and its prices. */
function tieredCards(): RateCardPublishedData[] {
  const card = cards.usd2026();
  const bands = (version: string, effectiveFrom: string, width: number, price: string): RateCardPublishedData => ({
    ...card,
    version,
    effectiveFrom,
    tiers: ['India', 'Brazil'].flatMap((market) =>
      ['utility', 'authentication'].flatMap((category) => [
        { market, category, from: 1, to: width, price: card.rates.find((r) => r.market === market && r.category === category)!.price },
        { market, category, from: width + 1, to: 2 * width, price },
        { market, category, from: 2 * width + 1, price: '0.0001' },
      ]),
    ),
  });
  return [bands('2026-10-01', '2026-10-01', 40, '0.0020'), bands('2026-10-15', '2026-10-15', 25, '0.0030')];
}

/** A month of units over two WABAs of one portfolio, in no particular order: enough service for a number's free allowance to run out. */
function monthUnits(count: number, start: string, era: Era): BillableUnit[] {
  // mulberry32: a small generator whose low bits are as random as its high ones.
  let seed = 11;
  const next = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const categories: Category[] = ['marketing', 'utility', 'authentication', 'service', 'service'];
  const charges: Charge[] = ['regular', 'regular', 'regular', 'free_customer_service', 'free_entry_point'];
  const markets = ['India', 'Brazil', 'India', 'Nowhere'];
  const from = Date.parse(start);
  return Array.from({ length: count }, (_, i) => {
    const waba = `waba-${1 + next(2)}`;
    // Some units share an instant: ties are broken by id.
    const openedAt = new Date(from + next(29 * 24 * 60) * 60_000).toISOString();
    const pricedAt = next(5) === 0 ? new Date(Date.parse(openedAt) + next(3 * 24 * 60) * 60_000).toISOString() : openedAt;
    return {
      id: `message:wamid.${String(next(100_000)).padStart(5, '0')}.${i}`,
      wabaId: waba,
      phoneNumberId: `${waba}-p0`,
      customer: '5511987654321',
      kind: 'message',
      category: categories[next(categories.length)]!,
      market: markets[next(markets.length)]!,
      country: undefined,
      openedAt,
      charge: charges[next(charges.length)]!,
      era,
      pricedAt,
      messageIds: [`wamid.${i}`],
    };
  });
}

function rate(units: readonly BillableUnit[], published: RateCardPublishedData[], lists: 'ids' | 'spans'): Map<string, InvoiceDraft> {
  const accounts = new Map(['waba-1', 'waba-2'].map((wabaId) => [wabaId, account({ wabaId })]));
  const rater = new Rater({ accounts, book: new RateCardBook(published), timeline, provenance: lists === 'ids', spans: lists === 'spans' });
  const ordered = units.map((unit) => ({ unit, at: Date.parse(unit.openedAt) })).sort((a, b) => a.at - b.at || (a.unit.id < b.unit.id ? -1 : a.unit.id > b.unit.id ? 1 : 0));
  for (const { unit, at } of ordered) rater.add(unit, at);
  return new Map(['waba-1', 'waba-2'].map((waba) => [waba, rater.draft(waba, '2026-10')]));
}

describe('LineFinder: a unit placed on its stored draft line without rating the month again', () => {
  const published = tieredCards();
  const units = monthUnits(10_000, '2026-10-01T00:00:00Z', 'E');
  const listed = rate(units, published, 'ids');
  const spanned = rate(units, published, 'spans');

  it('places every unit on the line that lists it, across volume bands, a card changed mid-month, a free allowance and a shared portfolio', () => {
    const book = new RateCardBook(published);
    let placed = 0;
    for (const waba of ['waba-1', 'waba-2']) {
      const finder = LineFinder.of(spanned.get(waba)!, account({ wabaId: waba }), book)!;
      const lineOfUnit = new Map(listed.get(waba)!.lines.flatMap((line, i) => line.unitIds!.map((id) => [id, i] as const)));
      for (const unit of units.filter((u) => u.wabaId === waba)) {
        assert.equal(finder.find(unit), lineOfUnit.get(unit.id), unit.id);
        if (lineOfUnit.has(unit.id)) placed += 1;
      }
    }
    const draft = listed.get('waba-1')!;
    // The month exercises what the finder must tell apart.
    assert.ok(draft.lines.filter((l) => l.tier !== null).length >= 8, 'several volume bands');
    assert.ok(new Set(draft.lines.map((l) => l.rateCard?.version)).size === 2, 'both card versions');
    assert.ok(draft.lines.some((l) => l.charge === 'free_tier') && draft.lines.some((l) => l.charge === 'regular' && l.category === 'service'), 'the allowance used up');
    assert.ok(draft.unpriced.length > 0, 'unpriced units, which no line holds');
    assert.equal(placed, [...listed.values()].reduce((n, d) => n + d.lines.reduce((m, l) => m + l.quantity, 0), 0));
  });

  it('keeps spans out of the draft hash: a stored draft hashes as the auditor replay that lists unit ids', () => {
    for (const waba of ['waba-1', 'waba-2']) assert.equal(draftHash(spanned.get(waba)!), draftHash(listed.get(waba)!));
    assert.deepEqual(spanned.get('waba-1')!.lines[0]!.span!.first, { openedAt: spanned.get('waba-1')!.lines[0]!.span!.first.openedAt, unitId: listed.get('waba-1')!.lines[0]!.unitIds![0] });
  });

  it('finds nothing for a draft stored before lines kept their spans', () => {
    const { lines, ...rest } = listed.get('waba-1')!;
    assert.equal(LineFinder.of({ ...rest, lines }, account(), new RateCardBook(published)), undefined);
  });
});
