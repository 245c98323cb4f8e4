import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RateCardPublishedData } from '../events.js';
import { account, draftOf, eligibleAccount, Story } from '../../test/support/engine-kit.js';
import { issueOf } from './invoice-lifecycle.js';
import { regenerationCauses } from './regeneration-causes.js';

const card = (version: string, price: string, effectiveFrom = '2026-01-01'): RateCardPublishedData => ({
  rateCardId: 'meta-USD',
  version,
  currency: 'USD',
  effectiveFrom,
  rates: [
    { market: 'Brazil', category: 'marketing', price },
    { market: 'India', category: 'authentication', price: '0.0014' },
    { market: 'India', category: 'authentication_international', price: '0.0280' },
  ],
});

function month(...hours: number[]) {
  const s = new Story('2026-03-02T08:00:00Z');
  for (const h of hours) s.template(h, 'marketing');
  return s.units();
}

describe('regeneration: the real cause of a changed invoice', () => {
  it('finds no cause when only units changed, even under a new card version whose prices are the same', () => {
    const v1 = card('v1', '0.0625');
    const v2 = card('v2', '0.0625');
    const issued = issueOf(draftOf(month(0), '2026-03', [v1]), '1/1');
    const late = draftOf(month(0, 1), '2026-03', [v1, v2]);
    assert.deepEqual(regenerationCauses(issued, late, [v1, v2]), []);
  });

  it('names the cards when a price the month uses moved, or a version it used was withdrawn', () => {
    const v1 = card('v1', '0.0625');
    const v2 = card('v2', '0.0700');
    const issued = issueOf(draftOf(month(0), '2026-03', [v1]), '1/1');
    assert.deepEqual(regenerationCauses(issued, draftOf(month(0), '2026-03', [v1, v2]), [v1, v2]), ['rate cards meta-USD v1 -> meta-USD v2']);
    const v0 = card('v0', '0.0625', '2025-12-01');
    assert.deepEqual(regenerationCauses(issued, draftOf(month(0), '2026-03', [v0]), [v0]), ['rate cards meta-USD v1 -> meta-USD v0']);
  });

  it('names a settings change, and the policies and engine when they moved', () => {
    const v1 = card('v1', '0.0625');
    const issued = issueOf(draftOf(month(0), '2026-03', [v1]), '1/1');
    const eligible = eligibleAccount({}, '2026-02-01T00:00:00.000Z');
    const recomputed = draftOf(month(0), '2026-03', [v1], [eligible]);
    assert.deepEqual(regenerationCauses(issued, recomputed, [v1]), [`account settings ${issued.basis.settings!} -> ${recomputed.basis.settings}`]);
    const old = { ...issued, basis: { ...issued.basis, engineVersion: '1.1.0', policies: [{ era: 'E', version: 'E.1-provisional' }], settings: undefined } };
    const causes = regenerationCauses(old, draftOf(month(0), '2026-03', [v1], [account()]), [v1]);
    assert.deepEqual(causes.map((c) => c.split(' ')[0]), ['engine', 'policies', 'account']);
  });
});
