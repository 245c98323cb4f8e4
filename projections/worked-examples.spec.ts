import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, cards, draftOf, lineSummary, Story, summary } from '../test/support/engine-kit.js';

/** PRICING.md's worked examples, each with its exact units and amounts. */
describe('PRICING.md worked examples', () => {
  const brazil = (era: string) => ({ kind: 'conversation', market: 'Brazil', era });

  it('1. era B: a customer writes and the business replies many times within 24 h: one user-initiated conversation', () => {
    const s = new Story('2022-03-01T09:00:00Z');
    s.customerWrites(0);
    for (let h = 0; h < 20; h += 2) s.text(h + 0.1);
    assert.deepEqual(summary(s.units()), [{ ...brazil('B'), category: 'user_initiated', charge: 'regular', messages: 10 }]);
    const draft = draftOf(s.units(), '2022-03', [cards.usd2022()]);
    assert.deepEqual(lineSummary(draft), ['Brazil user_initiated free_tier 1 x 0 = 0.00']);
    assert.equal(draft.total, '0.00');
  });

  it('2. era B: a question answered at once, then a shipping template the next day outside the window: user- and business-initiated', () => {
    const s = new Story('2022-03-01T13:13:00Z');
    s.customerWrites(0);
    s.text(0);
    s.template(26 + 32 / 60, 'utility');
    assert.deepEqual(summary(s.units()), [
      { ...brazil('B'), category: 'user_initiated', charge: 'regular', messages: 1 },
      { ...brazil('B'), category: 'business_initiated', charge: 'regular', messages: 1 },
    ]);
    assert.equal(draftOf(s.units(), '2022-03', [cards.usd2022()]).total, '0.00');
  });

  it('3. era B: two templates within 24 h and no customer message: one business-initiated conversation', () => {
    const s = new Story('2022-03-01T08:00:00Z');
    s.template(0, 'marketing');
    s.template(5, 'utility');
    assert.deepEqual(summary(s.units()), [{ ...brazil('B'), category: 'business_initiated', charge: 'regular', messages: 2 }]);
  });

  it('4. era B: a template, then a customer reply at t0+30 answered: business- then user-initiated', () => {
    const s = new Story('2022-03-01T08:00:00Z');
    s.template(0, 'marketing');
    s.customerWrites(30);
    s.text(30.5);
    assert.deepEqual(summary(s.units()), [
      { ...brazil('B'), category: 'business_initiated', charge: 'regular', messages: 1 },
      { ...brazil('B'), category: 'user_initiated', charge: 'regular', messages: 1 },
    ]);
  });

  it('4b. era B: had the customer replied at t0+5, only the business-initiated conversation', () => {
    const s = new Story('2022-03-01T08:00:00Z');
    s.template(0, 'marketing');
    s.customerWrites(5);
    s.text(5.5);
    assert.deepEqual(summary(s.units()), [{ ...brazil('B'), category: 'business_initiated', charge: 'regular', messages: 2 }]);
  });

  it('5. era B: the customer writes and the business never answers: no conversation', () => {
    const s = new Story('2022-03-01T08:00:00Z');
    s.customerWrites(0);
    assert.deepEqual(s.units(), []);
  });

  it('6. era C: marketing at 0, utility at 4 and 10: a marketing and a utility conversation', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.template(0, 'marketing');
    s.template(4, 'utility');
    s.template(10, 'utility');
    assert.deepEqual(summary(s.units()), [
      { kind: 'conversation', market: 'Indonesia', era: 'C', category: 'marketing', charge: 'regular', messages: 1 },
      { kind: 'conversation', market: 'Indonesia', era: 'C', category: 'utility', charge: 'regular', messages: 2 },
    ]);
    const draft = draftOf(s.units(), '2023-07', [cards.usd2023()]);
    assert.deepEqual(lineSummary(draft), ['Indonesia marketing regular 1 x 0.0411 = 0.04', 'Indonesia utility regular 1 x 0.0200 = 0.02']);
    assert.equal(draft.lines[0]!.exactAmount, '0.0411');
    assert.equal(draft.total, '0.06');
  });

  it('7. era C: marketing open absorbs the reply; after it expires a text inside the CSW opens a service conversation', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.template(0, 'marketing');
    s.customerWrites(4);
    s.send(5);
    s.text(25);
    s.text(26);
    assert.deepEqual(summary(s.units()), [
      { kind: 'conversation', market: 'Indonesia', era: 'C', category: 'marketing', charge: 'regular', messages: 2 },
      { kind: 'conversation', market: 'Indonesia', era: 'C', category: 'service', charge: 'regular', messages: 2 },
    ]);
    const draft = draftOf(s.units(), '2023-07', [cards.usd2023()]);
    assert.deepEqual(lineSummary(draft), ['Indonesia marketing regular 1 x 0.0411 = 0.04', 'Indonesia service free_tier 1 x 0 = 0.00']);
    assert.equal(draft.total, '0.04');
  });

  it('8. era C: a customer from an ad at 10:00 answered by a template at 22:00: a free-entry-point conversation for 72 h, cost 0', () => {
    const s = new Story('2023-07-03T10:00:00Z', '6281234567890');
    s.customerWrites(0, { referral: true });
    s.template(12, 'marketing');
    const units = s.units();
    assert.deepEqual(summary(units), [{ kind: 'conversation', market: 'Indonesia', era: 'C', category: 'referral_conversion', charge: 'free_entry_point', messages: 1 }]);
    assert.equal(units[0]!.openedAt, '2023-07-03T22:00:01.000Z');
    assert.equal(units[0]!.expiresAt, '2023-07-06T22:00:01.000Z');
    const draft = draftOf(units, '2023-07', [cards.usd2023()]);
    assert.deepEqual(lineSummary(draft), ['Indonesia referral_conversion free_entry_point 1 x 0 = 0.00']);
    assert.equal(draft.total, '0.00');
  });

  it('9. era D: marketing charged, text and utility free inside the CSW, utility charged after it closes: two charges', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.template(0, 'marketing');
    s.customerWrites(2);
    s.text(3);
    s.template(4, 'utility');
    s.template(30, 'utility');
    const units = s.units();
    assert.deepEqual(
      units.map((u) => `${u.category} ${u.charge}`),
      ['marketing regular', 'service free_customer_service', 'utility free_customer_service', 'utility regular'],
    );
    const draft = draftOf(units, '2025-10', [cards.usd2025q4()]);
    assert.deepEqual(lineSummary(draft), [
      'Brazil marketing regular 1 x 0.0625 = 0.06',
      'Brazil service free_customer_service 1 x 0 = 0.00',
      'Brazil utility regular 1 x 0.0068 = 0.01',
      'Brazil utility free_customer_service 1 x 0 = 0.00',
    ]);
    assert.equal(draft.total, '0.07');
  });

  it('10. era D: a reply to an ad opens a 72 h free-entry-point window: marketing at 48 free, at 76 charged', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0, { referral: true });
    s.text(3);
    s.template(48, 'marketing');
    s.template(76, 'marketing');
    assert.deepEqual(
      s.units().map((u) => `${u.category} ${u.charge}`),
      ['service free_entry_point', 'marketing free_entry_point', 'marketing regular'],
    );
    const draft = draftOf(s.units(), '2025-10', [cards.usd2025q4()]);
    assert.deepEqual(lineSummary(draft), [
      'Brazil marketing regular 1 x 0.0625 = 0.06',
      'Brazil marketing free_entry_point 1 x 0 = 0.00',
      'Brazil service free_entry_point 1 x 0 = 0.00',
    ]);
    assert.equal(draft.total, '0.06');
  });

  it('11. era D: a marketing template that ends failed (131049) costs nothing', () => {
    const s = new Story('2025-10-06T08:00:00Z', '12025550123');
    s.send(0, 'marketing', 'failed');
    assert.deepEqual(s.units(), []);
    assert.equal(draftOf(s.units(), '2025-10', [cards.usd2025q4()]).total, '0.00');
  });

  it('uses account settings: the examples hold in a UTC-3 account too', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.template(0, 'marketing');
    const local = account({ timezone: 'America/Sao_Paulo' });
    assert.equal(draftOf(s.units(local), '2025-10', [cards.usd2025q4()], [local]).total, '0.06');
  });
});
