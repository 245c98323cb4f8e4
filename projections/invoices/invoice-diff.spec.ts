import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { describe, it } from 'node:test';
import { cards, draftOf, Story } from '../../test/support/engine-kit.js';
import { diffDrafts } from './invoice-diff.js';
import { draftHash } from './invoice-hash.js';

function month() {
  const units = [];
  for (let i = 0; i < 3; i++) {
    const s = new Story('2025-10-06T08:00:00Z', `91987654${String(3210 + i)}`);
    s.template(i, 'marketing');
    s.template(i + 30, 'utility');
    units.push(...s.units());
  }
  return units;
}

describe('invoice drafts: hash and diff', () => {
  it('turns a price change into adjustment lines that add up to the change in total', () => {
    const units = month();
    const before = draftOf(units, '2025-10', [cards.usd2025q4()]);
    const corrected = { ...cards.usd2025q4(), version: '2025-10-01.2', rates: cards.usd2025q4().rates.map((r) => (r.market === 'India' && r.category === 'marketing' ? { ...r, price: '0.0118' } : r)) };
    const after = draftOf(units, '2025-10', [cards.usd2025q4(), corrected]);
    assert.notEqual(draftHash(before), draftHash(after));
    const adjustments = diffDrafts(before, after);
    assert.deepEqual(adjustments, [
      { market: 'India', category: 'marketing', charge: 'regular', tier: null, quantity: 0, previousUnitPrice: '0.0107', unitPrice: '0.0118', amount: '0.01' },
    ]);
    const sum = adjustments.reduce((acc, a) => acc.plus(a.amount), new Decimal(0));
    assert.equal(sum.toFixed(2), new Decimal(after.total).minus(before.total).toFixed(2));
  });

  it('gives no adjustment for identical drafts, and a quantity adjustment for a new unit', () => {
    const units = month();
    const base = draftOf(units, '2025-10', [cards.usd2025q4()]);
    assert.deepEqual(diffDrafts(base, draftOf(units, '2025-10', [cards.usd2025q4()])), []);
    const extra = new Story('2025-10-20T08:00:00Z', '919876549999');
    extra.template(0, 'marketing');
    const more = draftOf([...units, ...extra.units()], '2025-10', [cards.usd2025q4()]);
    assert.deepEqual(diffDrafts(base, more), [
      { market: 'India', category: 'marketing', charge: 'regular', tier: null, quantity: 1, previousUnitPrice: '0.0107', unitPrice: '0.0107', amount: '0.01' },
    ]);
  });
});
