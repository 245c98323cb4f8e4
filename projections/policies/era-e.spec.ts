import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Positioned, RateCardPublishedData } from '../events.js';
import { account, cards, draftOf, eligibleAccount, engine, lineSummary, Story, timeline } from '../../test/support/engine-kit.js';
import { ratedCharge } from '../rating/free-tiers.js';
import { reconcile, reconcileMonths } from '../reconciliation/reconcile.js';
import { takesFreeTier } from '../rating/rating.projection.js';
import { ZoneCalendar } from '../time/zone-calendar.js';
import { foldThread } from '../thread/thread.projection.js';
import type { BillableUnit } from '../thread/thread.types.js';

/** An October 2026 card with Meta's Service column and a utility ladder. */
const october: RateCardPublishedData = {
  rateCardId: 'meta-USD',
  version: '2026-10-01',
  currency: 'USD',
  effectiveFrom: '2026-10-01',
  rates: [
    { market: 'Brazil', category: 'marketing', price: '0.0625' },
    { market: 'Brazil', category: 'utility', price: '0.0068' },
    { market: 'Brazil', category: 'service', price: '0.0090' },
    { market: 'Nepal', category: 'authentication', price: '0.0100' },
    { market: 'Nepal', category: 'authentication_international', price: '0.0500' },
  ],
  tiers: [
    { market: 'Brazil', category: 'utility', from: 1, to: 2, price: '0.0068' },
    { market: 'Brazil', category: 'utility', from: 3, price: '0.0050' },
  ],
};

/** `count` service replies from one business number, each to a new customer who wrote first, from t0 on. */
function serviceReplies(count: number, t0: string, phoneNumberId = 'phone-1'): BillableUnit[] {
  const units: BillableUnit[] = [];
  for (let i = 0; i < count; i++) {
    const s = new Story(t0, `55119${String(10000000 + i)}`, phoneNumberId);
    s.customerWrites(i / 100);
    s.text(i / 100 + 0.001);
    units.push(...s.units());
  }
  return units;
}

describe('era E: service messages past a free tier per business number', () => {
  it("frees a number's first 1,000 service messages of the month and charges the 1,001st at the card's service rate", () => {
    const units = serviceReplies(1001, '2026-10-05T08:00:00Z');
    const draft = draftOf(units, '2026-10', [october]);
    assert.deepEqual(lineSummary(draft), ['Brazil service regular 1 x 0.0090 = 0.01', 'Brazil service free_tier 1000 x 0 = 0.00']);
    assert.equal(draft.lines[0]!.rateCard?.row, 'Brazil/service');
    assert.deepEqual(units.slice(999).map((u) => ratedCharge(u, draft.freeTiers)), ['free_tier', 'regular']);
  });

  it('gives another number of the same WABA its own 1,000, and every number a new 1,000 each month', () => {
    const units = [...serviceReplies(1001, '2026-10-05T08:00:00Z'), ...serviceReplies(2, '2026-10-06T08:00:00Z', 'phone-2'), ...serviceReplies(1000, '2026-11-05T08:00:00Z')];
    assert.deepEqual(lineSummary(draftOf(units, '2026-10', [october])), ['Brazil service regular 1 x 0.0090 = 0.01', 'Brazil service free_tier 1002 x 0 = 0.00']);
    assert.deepEqual(lineSummary(draftOf(units, '2026-11', [october])), ['Brazil service free_tier 1000 x 0 = 0.00']);
  });

  it('prices service at the utility rate on a card without a Service column', () => {
    const draft = draftOf(serviceReplies(1002, '2026-10-05T08:00:00Z'), '2026-10', [cards.usd2026()]);
    assert.deepEqual(lineSummary(draft), ['Brazil service regular 2 x 0.0068 = 0.01', 'Brazil service free_tier 1000 x 0 = 0.00']);
    assert.equal(draft.lines[0]!.rateCard?.row, 'Brazil/utility');
  });

  it('keeps service out of the volume tiers: the utility count starts at its own first message', () => {
    const units = serviceReplies(1003, '2026-10-05T08:00:00Z');
    const s = new Story('2026-10-20T08:00:00Z');
    s.customerWrites(0);
    for (const h of [1, 2, 3]) s.template(h, 'utility');
    const draft = draftOf([...units, ...s.units()], '2026-10', [october]);
    assert.deepEqual(lineSummary(draft), [
      'Brazil service regular 3 x 0.0090 = 0.03',
      'Brazil service free_tier 1000 x 0 = 0.00',
      'Brazil utility regular [1-2] 2 x 0.0068 = 0.01',
      'Brazil utility regular [3-] 1 x 0.0050 = 0.01',
    ]);
    assert.equal(draft.total, '0.05');
  });

  it("agrees with Meta's free_customer_service inside the free tier and regular past it", () => {
    const events: Positioned[] = [];
    const units: BillableUnit[] = [];
    for (let i = 0; i < 1001; i++) {
      const s = new Story('2026-10-05T08:00:00Z', `55119${String(10000000 + i)}`);
      s.customerWrites(i / 100);
      const id = s.text(i / 100 + 0.001);
      const type = i < 1000 ? 'free_customer_service' : 'regular';
      events.push(...s.events.map((e) => (e.type === 'MessageDelivered' && e.data.messageId === id ? ({ ...e, data: { ...e.data, stated: { pricing: { pricing_model: 'PMP', category: 'service', type } } } }) : e)));
      units.push(...s.units());
    }
    const draft = draftOf(units, '2026-10', [october]);
    assert.deepEqual(reconcile(events, units, (u) => ratedCharge(u, draft.freeTiers)), []);
    assert.equal(reconcile(events, units).length, 1000, 'unrated charges would disagree on every free message');
  });

  it('keeps, before the month is rated, the findings its free tier decides: settled by the draft, they are the rated reconciliation', () => {
    const events: Positioned[] = [];
    const units: BillableUnit[] = [];
    for (let i = 0; i < 1003; i++) {
      const s = new Story('2026-10-05T08:00:00Z', `55119${String(10000000 + i)}`);
      s.customerWrites(i / 100);
      const id = s.text(i / 100 + 0.001);
      // Meta calls every third reply regular: the ledger disagrees inside the free tier, and agrees past it.
      const type = i % 3 === 0 ? 'regular' : 'free_customer_service';
      events.push(...s.events.map((e) => (e.type === 'MessageDelivered' && e.data.messageId === id ? ({ ...e, data: { ...e.data, stated: { pricing: { billable: type === 'regular', pricing_model: 'PMP', category: 'service', type } } } }) : e)));
      units.push(...s.units());
    }
    const calendar = ZoneCalendar.of('UTC');
    const months = reconcileMonths(events, units, (at) => calendar.month(at), (u) => u.charge === 'regular' && takesFreeTier(timeline.policy(u.era), u, Date.parse(u.openedAt), calendar));
    assert.deepEqual(months.map((m) => [m.period, m.messages]), [['2026-10', 1003]]);
    const kept = months[0]!.findings;
    assert.ok(kept.some((f) => f.depends === 'regular') && kept.some((f) => f.depends === 'free_tier'), 'findings on both sides of the allowance');
    const draft = draftOf(units, '2026-10', [october]);
    const settled = kept.filter((f) => f.depends === null || ratedCharge(f.unit!, draft.freeTiers) === f.depends).map(({ depends: _d, unit: _u, ...f }) => f);
    const key = (f: { messageId: string; kind: string }) => `${f.messageId} ${f.kind}`;
    const rated = reconcile(events, units, (u) => ratedCharge(u, draft.freeTiers));
    assert.deepEqual(settled.map(key).sort(), rated.map(key).sort());
    assert.equal(rated.length, 2 * 334 + 2 * 2, 'type and billable on the 334 regular calls inside the tier, and on the 2 of 3 past it Meta frees');
  });
});

describe('era E: utility in the window and the nine new markets', () => {
  it('charges a utility template inside the customer service window', () => {
    const s = new Story('2026-10-05T08:00:00Z');
    s.customerWrites(0);
    s.template(1, 'utility');
    assert.deepEqual(lineSummary(draftOf(s.units(), '2026-10', [october])), ['Brazil utility regular [1-2] 1 x 0.0068 = 0.01']);
  });

  it('prices authentication-international in a new standalone market from 2026-10-01 on', () => {
    const who = eligibleAccount({ primaryLocation: 'BR' }, '2026-01-01T00:00:00.000Z');
    const nepal = (at: string) => {
      const s = new Story(at, '9779812345678');
      s.template(0, 'authentication');
      return s.units(who);
    };
    assert.deepEqual(nepal('2026-09-20T08:00:00Z').map((u) => `${u.market} ${u.category}`), ['Rest of Asia Pacific authentication']);
    assert.deepEqual(lineSummary(draftOf(nepal('2026-10-05T08:00:00Z'), '2026-10', [october], [who])), ['Nepal authentication_international regular 1 x 0.0500 = 0.05']);
  });
});

describe('markets from 2026-07-01: six leave their regional groups', () => {
  const cases = [
    ['85291234567', 'Rest of Asia Pacific', 'Hong Kong'],
    ['36301234567', 'Rest of Central & Eastern Europe', 'Hungary'],
    ['48501234567', 'Rest of Central & Eastern Europe', 'Poland'],
    ['97433123456', 'Rest of Middle East', 'Qatar'],
    ['40721234567', 'Rest of Central & Eastern Europe', 'Romania'],
    ['6591234567', 'Rest of Asia Pacific', 'Singapore'],
  ] as const;
  for (const [customer, region, market] of cases) {
    it(`prices ${market} in ${region} until 2026-06-30 and as ${market} from 2026-07-01`, () => {
      const at = (t0: string) => {
        const s = new Story(t0, customer);
        s.template(0, 'marketing');
        return s.units()[0]!.market;
      };
      assert.equal(at('2026-06-30T23:00:00Z'), region);
      assert.equal(at('2026-07-01T00:00:00Z'), market);
    });
  }
});

describe("categories Meta states for a message sent without a recorded template", () => {
  const delivered = (s: Story, category: string) =>
    s.events.push({ type: 'MessageDelivered', data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: 'wamid.stated', timestamp: s.at(0), stated: { pricing: { category, pricing_model: 'PMP', type: 'regular' } } } });

  it('prices marketing_lite as marketing', () => {
    const s = new Story('2026-10-05T08:00:00Z');
    delivered(s, 'marketing_lite');
    assert.deepEqual(lineSummary(draftOf(s.units(), '2026-10', [october])), ['Brazil marketing regular 1 x 0.0625 = 0.06']);
    assert.deepEqual(reconcile(s.events, s.units()), []);
  });

  it('records a category no policy prices, never charges it as service, and reports it as category_unpriced', () => {
    const s = new Story('2026-10-05T08:00:00Z');
    s.customerWrites(0);
    s.events.push({ type: 'MessageSent', data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: 'wamid.stated', timestamp: s.at(0.5), kind: 'text' } });
    delivered(s, 'business_ai_agent');
    const result = foldThread(s.events, account(), engine, { trace: true });
    assert.deepEqual(result.units, []);
    assert.equal(result.decisions.at(-1)!.rule, 'category-unpriced');
    assert.deepEqual(reconcile(s.events, result.units), [{ messageId: 'wamid.stated', kind: 'category_unpriced', ledger: 'none', meta: 'business_ai_agent' }]);
  });
});
