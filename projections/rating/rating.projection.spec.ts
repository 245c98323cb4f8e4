import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Positioned, RateCardPublishedData } from '../events.js';
import { account, cards, draftOf, engine, lineSummary, Story, timeline } from '../../test/support/engine-kit.js';
import { draftHash } from '../invoices/invoice-hash.js';
import { RateCardBook } from './rate-card-book.js';
import { Rater, rateMonth } from './rating.projection.js';
import type { BillableUnit } from '../thread/thread.types.js';
import { foldThread } from '../thread/thread.projection.js';

/** A small card with a tier ladder for Brazil utility: 1-2 at list, 3-4 cheaper, 5+ cheapest. */
function tiered(effectiveFrom = '2025-10-01'): RateCardPublishedData {
  return {
    rateCardId: 'meta-USD',
    version: `${effectiveFrom}-tiered`,
    currency: 'USD',
    effectiveFrom,
    rates: [
      { market: 'Brazil', category: 'utility', price: '0.0068' },
      { market: 'Brazil', category: 'marketing', price: '0.0625' },
    ],
    tiers: [
      { market: 'Brazil', category: 'utility', from: 1, to: 2, price: '0.0068' },
      { market: 'Brazil', category: 'utility', from: 3, to: 4, price: '0.0050' },
      { market: 'Brazil', category: 'utility', from: 5, price: '0.0040' },
    ],
  };
}

function utilityUnits(count: number, start: string, wabaId = 'waba-1', stepHours = 1): BillableUnit[] {
  const units: BillableUnit[] = [];
  for (let i = 0; i < count; i++) {
    const s = new Story(start, `55119${String(20000000 + i)}`, `phone-${wabaId}`, wabaId);
    s.template(i * stepHours, 'utility');
    units.push(...s.units(account({ wabaId })));
  }
  return units;
}

describe('rating: volume tiers', () => {
  it('prices each charged message at the band its running count falls in (marginal tiers)', () => {
    const draft = draftOf(utilityUnits(6, '2025-10-06T08:00:00Z'), '2025-10', [tiered()]);
    assert.deepEqual(lineSummary(draft), [
      'Brazil utility regular [1-2] 2 x 0.0068 = 0.01',
      'Brazil utility regular [3-4] 2 x 0.0050 = 0.01',
      'Brazil utility regular [5-] 2 x 0.0040 = 0.01',
    ]);
    assert.equal(draft.total, '0.03');
  });

  it('counts only charged messages: utility inside the CSW does not advance the tier', () => {
    const s = new Story('2025-10-06T08:00:00Z', '5511900000009');
    s.customerWrites(0);
    s.template(1, 'utility');
    const units = [...s.units(), ...utilityUnits(3, '2025-10-07T08:00:00Z')];
    const draft = draftOf(units, '2025-10', [tiered()]);
    assert.deepEqual(lineSummary(draft), [
      'Brazil utility regular [1-2] 2 x 0.0068 = 0.01',
      'Brazil utility regular [3-4] 1 x 0.0050 = 0.01',
      'Brazil utility free_customer_service 1 x 0 = 0.00',
    ]);
  });

  it("pools a portfolio's WABAs, each in its own month, when the portfolio spans two months", () => {
    const saoPaulo = account({ wabaId: 'waba-sp', timezone: 'America/Sao_Paulo' });
    const kolkata = account({ wabaId: 'waba-in', timezone: 'Asia/Kolkata' });
    // 31 Oct 22:00 UTC: still October in Sao Paulo (19:00), already November in Kolkata (03:30).
    const sp = utilityUnits(2, '2025-10-31T20:00:00Z', 'waba-sp');
    const inOct = utilityUnits(2, '2025-10-20T08:00:00Z', 'waba-in');
    const inNov = utilityUnits(3, '2025-10-31T22:00:00Z', 'waba-in');
    const drafts = (period: string) =>
      rateMonth({ period, accounts: new Map([[saoPaulo.wabaId, saoPaulo], [kolkata.wabaId, kolkata]]), units: [...sp, ...inOct, ...inNov], book: new RateCardBook([tiered()]), timeline });
    const october = drafts('2025-10');
    assert.deepEqual(lineSummary(october.get('waba-in')!), ['Brazil utility regular [1-2] 2 x 0.0068 = 0.01']);
    assert.deepEqual(lineSummary(october.get('waba-sp')!), ['Brazil utility regular [3-4] 2 x 0.0050 = 0.01']);
    const november = drafts('2025-11');
    assert.deepEqual(lineSummary(november.get('waba-in')!), ['Brazil utility regular [1-2] 2 x 0.0068 = 0.01', 'Brazil utility regular [3-4] 1 x 0.0050 = 0.01']);
    assert.deepEqual(lineSummary(november.get('waba-sp')!), []);
  });

  it('does not tier marketing', () => {
    const units = [];
    for (let i = 0; i < 5; i++) {
      const s = new Story('2025-10-06T08:00:00Z', `55119${30000000 + i}`);
      s.template(i, 'marketing');
      units.push(...s.units());
    }
    assert.deepEqual(lineSummary(draftOf(units, '2025-10', [tiered()])), ['Brazil marketing regular 5 x 0.0625 = 0.31']);
  });
});

describe('rating: money', () => {
  it('keeps the exact amount, rounds each line half-up to the minor unit, and totals the rounded lines', () => {
    const units = utilityUnits(5, '2025-10-06T08:00:00Z').concat(
      (() => {
        const s = new Story('2025-10-06T08:00:00Z', '447700900123');
        s.template(0, 'marketing');
        return s.units();
      })(),
    );
    const draft = draftOf(units, '2025-10', [cards.usd2025q4()]);
    const brazil = draft.lines.find((l) => l.market === 'Brazil')!;
    assert.equal(brazil.exactAmount, '0.034');
    assert.equal(brazil.amount, '0.03');
    const uk = draft.lines.find((l) => l.market === 'United Kingdom')!;
    assert.equal(uk.exactAmount, '0.0529');
    assert.equal(uk.amount, '0.05');
    assert.equal(draft.total, '0.08');
  });

  it('rounds to zero decimals for a currency without minor units (CLP)', () => {
    const clp: RateCardPublishedData = { rateCardId: 'meta-CLP', version: 'v1', currency: 'CLP', effectiveFrom: '2025-10-01', rates: [{ market: 'Brazil', category: 'marketing', price: '57.5' }] };
    const s = new Story('2025-10-06T08:00:00Z');
    s.template(0, 'marketing');
    const chile = account({ currency: 'CLP', rateCardId: 'meta-CLP' });
    const draft = draftOf(s.units(chile), '2025-10', [clp], [chile]);
    assert.equal(draft.lines[0]!.amount, '58');
    assert.equal(draft.total, '58');
  });

  it('prices by the card in force at 00:00 local time: 23:30 UTC on 30 Sep is October in London', () => {
    const s = new Story('2025-09-30T23:30:00Z', '5511987650000');
    s.template(0, 'marketing');
    const london = account({ timezone: 'Europe/London' });
    const sept: RateCardPublishedData = { ...cards.usd2025q4(), version: 'sep', effectiveFrom: '2025-09-01', rates: [{ market: 'Brazil', category: 'marketing', price: '0.0999' }] };
    const draft = draftOf(s.units(london), '2025-10', [sept, cards.usd2025q4()], [london]);
    assert.deepEqual(lineSummary(draft), ['Brazil marketing regular 1 x 0.0625 = 0.06']);
    assert.equal(draft.lines[0]!.rateCard?.version, '2025-10-01');
  });

  it('lists charged units no card can price instead of inventing a price', () => {
    const s = new Story('2023-07-03T08:00:00Z');
    s.template(0, 'marketing');
    const draft = draftOf(s.units(), '2023-07', [cards.usd2023()]);
    assert.deepEqual(draft.lines, []);
    assert.deepEqual(draft.unpriced.map((u) => u.reason), ['rate card meta-USD 2023-06-01 has no marketing rate for Brazil']);
  });

  it('lets a corrected card with the same effective date replace the earlier one', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.template(0, 'marketing');
    const corrected = { ...cards.usd2025q4(), version: '2025-10-01.2', rates: [{ market: 'Brazil', category: 'marketing', price: '0.0700' }] };
    const draft = draftOf(s.units(), '2025-10', [cards.usd2025q4(), corrected]);
    assert.deepEqual(lineSummary(draft), ['Brazil marketing regular 1 x 0.0700 = 0.07']);
    assert.deepEqual(draft.basis.rateCards, [{ id: 'meta-USD', version: '2025-10-01.2' }]);
  });

  it('hashes the same units the same way whatever order they come in', () => {
    const units = utilityUnits(6, '2025-10-06T08:00:00Z');
    const a = draftOf(units, '2025-10', [tiered()]);
    const b = draftOf([...units].reverse(), '2025-10', [tiered()]);
    assert.equal(draftHash(a), draftHash(b));
    assert.match(draftHash(a), /^sha256:[0-9a-f]{64}$/);
  });

  it('fingerprints which units a line holds, not only how many: the same quantities of other messages give another hash', () => {
    const a = draftOf(utilityUnits(3, '2025-10-06T08:00:00Z'), '2025-10', [tiered()]);
    const b = draftOf(utilityUnits(3, '2025-10-06T08:00:00Z'), '2025-10', [tiered()]);
    assert.deepEqual(lineSummary(a), lineSummary(b));
    assert.match(a.units, /^[0-9a-f]{16}$/);
    assert.notEqual(a.units, b.units);
    assert.notEqual(draftHash(a), draftHash(b));
  });

  it('fingerprints which line each unit went to: the same units and quantities, swapped between lines, give another hash', () => {
    const [first, second] = utilityUnits(2, '2025-10-06T08:00:00Z');
    const swapped = (a: BillableUnit, b: BillableUnit) => [
      { ...a, charge: 'free_customer_service' as const },
      { ...b, charge: 'regular' as const },
    ];
    const x = draftOf(swapped(first!, second!), '2025-10', [tiered()]);
    const y = draftOf(swapped(second!, first!), '2025-10', [tiered()]);
    assert.deepEqual(lineSummary(x), lineSummary(y));
    assert.notEqual(x.units, y.units);
    assert.notEqual(draftHash(x), draftHash(y));
  });

  it('gives the same draft hash with and without listing each line\'s unit ids (provenance)', () => {
    const units = utilityUnits(6, '2025-10-06T08:00:00Z').map((unit) => ({ unit, at: Date.parse(unit.openedAt) }));
    const rate = (provenance: boolean) => {
      const rater = new Rater({ accounts: new Map([['waba-1', account()]]), book: new RateCardBook([tiered()]), timeline, provenance });
      for (const { unit, at } of units) rater.add(unit, at);
      return rater.draft('waba-1', '2025-10');
    };
    const listed = rate(true);
    const bare = rate(false);
    assert.deepEqual(listed.lines[0]!.unitIds, units.slice(0, 2).map((c) => c.unit.id));
    assert.equal(bare.lines[0]!.unitIds, undefined);
    assert.equal(draftHash(listed), draftHash(bare));
  });

  it('clones a rater mid-month: the clone fed the rest drafts as one rater fed everything, and the original is left as it was', () => {
    const units = [...utilityUnits(5, '2025-10-06T08:00:00Z'), ...utilityUnits(3, '2025-10-07T08:00:00Z', 'waba-2')]
      .map((unit) => ({ unit, at: Date.parse(unit.openedAt) }))
      .sort((a, b) => a.at - b.at || (a.unit.id < b.unit.id ? -1 : 1));
    const accounts = new Map([
      ['waba-1', account()],
      ['waba-2', account({ wabaId: 'waba-2' })],
    ]);
    const rater = () => new Rater({ accounts, book: new RateCardBook([tiered()]), timeline, provenance: false });
    const whole = rater();
    for (const { unit, at } of units) whole.add(unit, at);
    const half = rater();
    for (const { unit, at } of units.slice(0, 3)) half.add(unit, at);
    const before = draftHash(half.draft('waba-1', '2025-10'));
    const copy = half.clone();
    for (const { unit, at } of units.slice(3)) copy.add(unit, at);
    for (const waba of ['waba-1', 'waba-2']) assert.equal(draftHash(copy.draft(waba, '2025-10')), draftHash(whole.draft(waba, '2025-10')), waba);
    assert.deepEqual(lineSummary(copy.draft('waba-1', '2025-10')), [
      'Brazil utility regular [1-2] 2 x 0.0068 = 0.01',
      'Brazil utility regular [3-4] 2 x 0.0050 = 0.01',
      'Brazil utility regular [5-] 1 x 0.0040 = 0.00',
    ]);
    assert.equal(draftHash(half.draft('waba-1', '2025-10')), before);
  });
});

describe('rating: the draft hash of an engine version', () => {
  it('stays the same for the same month, so an issued invoice verifies bit for bit (a change needs a new ENGINE_VERSION)', () => {
    const key = { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: '5511900000001' };
    const sent = (messageId: string, at: string, category?: 'marketing' | 'utility'): Positioned[] => [
      { type: 'MessageSent', data: { ...key, messageId, timestamp: at, kind: category ? 'template' : 'text', ...(category ? { template: { name: category, category } } : {}) } },
      { type: 'MessageDelivered', data: { ...key, messageId, timestamp: at.replace(':00.000Z', ':01.000Z') } },
    ];
    const events: Positioned[] = [
      ...sent('wamid.m1', '2025-10-01T08:00:00.000Z', 'marketing'),
      ...sent('wamid.u1', '2025-10-02T14:00:00.000Z', 'utility'),
      { type: 'MessageReceived', data: { ...key, messageId: 'wamid.in1', timestamp: '2025-10-03T00:00:00.000Z', kind: 'text' } },
      ...sent('wamid.u2', '2025-10-03T01:00:00.000Z', 'utility'),
      ...sent('wamid.t1', '2025-10-03T02:00:00.000Z'),
    ];
    const draft = draftOf(foldThread(events, account(), engine).units, '2025-10', [cards.usd2025q4()]);
    assert.deepEqual(lineSummary(draft), [
      'Brazil marketing regular 1 x 0.0625 = 0.06',
      'Brazil service free_customer_service 1 x 0 = 0.00',
      'Brazil utility regular 1 x 0.0068 = 0.01',
      'Brazil utility free_customer_service 1 x 0 = 0.00',
    ]);
    assert.equal(draft.units, '83cf01779ba52eff');
    assert.equal(draftHash(draft), 'sha256:d2d647a925a20ef84f63f32133b8ab261621ddb1ae4e610ee07921e18aa6760f');
  });
});
