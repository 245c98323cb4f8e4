import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountSettingsChangedData, RateCardPublishedData } from '../events.js';
import { account, cards, draftOf, eligibleAccount, lineSummary, Story } from '../../test/support/engine-kit.js';
import { draftHash } from '../invoices/invoice-hash.js';
import type { AccountContext } from '../thread/thread.types.js';
import { AccountTerms } from './account-terms.js';

const change = (data: Omit<AccountSettingsChangedData, 'wabaId'>): AccountSettingsChangedData => ({ wabaId: 'waba-1', ...data });

function brazilMarketing(at: string): Story {
  const s = new Story(at);
  s.template(0, 'marketing');
  return s;
}

describe('dated account settings: time zone', () => {
  const zoned = account({ changes: [change({ effectiveFrom: '2026-11-01', timezone: 'Asia/Kolkata' })] });

  it('leaves the months before a time-zone change exactly as they were invoiced', () => {
    // 20:00 UTC on Oct 31 is already Nov 1 in Kolkata: it stays in October, which ends in the old zone.
    const units = [...brazilMarketing('2026-10-31T20:00:00Z').units(zoned), ...brazilMarketing('2026-10-10T08:00:00Z').units(zoned)];
    const before = draftOf(units, '2026-10', [cards.usd2026()], [account()]);
    const after = draftOf(units, '2026-10', [cards.usd2026()], [zoned]);
    assert.deepEqual(lineSummary(after), ['Brazil marketing regular 2 x 0.0625 = 0.13']);
    assert.equal(draftHash(after), draftHash(before));
    assert.equal(draftOf(units, '2026-11', [cards.usd2026()], [zoned]).lines.length, 0);
  });

  it('dates the months after it in the new zone', () => {
    const units = brazilMarketing('2026-11-30T19:00:00Z').units(zoned);
    const december = draftOf(units, '2026-12', [cards.usd2026()], [zoned]);
    assert.deepEqual(lineSummary(december), ['Brazil marketing regular 1 x 0.0625 = 0.06']);
    assert.equal(december.timezone, 'Asia/Kolkata');
    assert.equal(draftOf(units, '2026-10', [cards.usd2026()], [zoned]).timezone, 'UTC');
  });

  it('starts the new zone where the old month ended, even when the new zone is behind: no instant falls back into the old month', () => {
    const west = account({ timezone: 'Asia/Kolkata', changes: [change({ effectiveFrom: '2026-11-01', timezone: 'UTC' })] });
    const calendar = AccountTerms.of(west).calendar;
    assert.equal(calendar.midnight('2026-11-01'), Date.parse('2026-10-31T18:30:00Z'));
    assert.equal(calendar.month(Date.parse('2026-10-31T18:29:59.999Z')), '2026-10');
    assert.equal(calendar.month(Date.parse('2026-10-31T19:00:00Z')), '2026-11');
    assert.equal(calendar.midnight('2026-12-01'), Date.parse('2026-12-01T00:00:00Z'));
  });

  it('applies a zone dated other than a month start from the next month (the API refuses such a date)', () => {
    const late = account({ changes: [change({ effectiveFrom: '2026-11-15', timezone: 'Asia/Kolkata' })] });
    assert.equal(AccountTerms.of(late).month('2026-11').timezone, 'UTC');
    assert.equal(AccountTerms.of(late).month('2026-12').timezone, 'Asia/Kolkata');
  });
});

describe('dated account settings: currency', () => {
  const brl: RateCardPublishedData = { rateCardId: 'meta-BRL', version: '2026-01-01', currency: 'BRL', effectiveFrom: '2026-01-01', rates: [{ market: 'Brazil', category: 'marketing', price: '0.3125' }] };
  const moved = account({ changes: [change({ effectiveFrom: '2026-11-01', currency: 'BRL' })] });

  it('bills in the new currency, on its own card, from the month of the change on, and in the old one before', () => {
    const units = [...brazilMarketing('2026-10-20T08:00:00Z').units(moved), ...brazilMarketing('2026-11-20T08:00:00Z').units(moved)];
    const october = draftOf(units, '2026-10', [cards.usd2026(), brl], [moved]);
    const november = draftOf(units, '2026-11', [cards.usd2026(), brl], [moved]);
    assert.equal(october.currency, 'USD');
    assert.deepEqual(lineSummary(october), ['Brazil marketing regular 1 x 0.0625 = 0.06']);
    assert.equal(november.currency, 'BRL');
    assert.deepEqual(lineSummary(november), ['Brazil marketing regular 1 x 0.3125 = 0.31']);
    assert.deepEqual(november.basis.rateCards, [{ id: 'meta-BRL', version: '2026-01-01' }]);
  });
});

describe('authentication-international (PRICING.md era C, D and E)', () => {
  const indian = (at: string, customer = '919876543210') => {
    const s = new Story(at, customer);
    s.template(0, 'authentication');
    return s;
  };
  const priced = (who: AccountContext, ...stories: Story[]) =>
    lineSummary(draftOf(stories.flatMap((s) => s.units(who)), stories[0]!.at(0).slice(0, 7), [cards.usd2026()], [who]));

  it('pays the international rate only from the business start time: Meta example 13', () => {
    const who = eligibleAccount({ primaryLocation: 'BR' }, '2026-03-10T00:00:00.000Z');
    assert.deepEqual(priced(who, indian('2026-03-05T08:00:00Z')), ['India authentication regular 1 x 0.0014 = 0.00']);
    assert.deepEqual(priced(who, indian('2026-03-12T08:00:00Z')), ['India authentication_international regular 1 x 0.0280 = 0.03']);
    assert.deepEqual(priced(who, indian('2026-03-12T08:00:00Z', '5511987654321')), ['Brazil authentication regular 1 x 0.0068 = 0.01']);
  });

  it("takes a country's own start time over the business's", () => {
    const who = eligibleAccount({ primaryLocation: 'BR' }, '2026-03-01T00:00:00.000Z', { ID: '2026-04-01T00:00:00.000Z' });
    assert.deepEqual(priced(who, indian('2026-03-05T08:00:00Z', '6281234567890')), ['Indonesia authentication regular 1 x 0.0250 = 0.03']);
    assert.deepEqual(priced(who, indian('2026-04-02T08:00:00Z', '6281234567890')), ['Indonesia authentication_international regular 1 x 0.1360 = 0.14']);
    assert.deepEqual(priced(who, indian('2026-03-05T08:00:00Z')), ['India authentication_international regular 1 x 0.0280 = 0.03']);
  });

  it("never applies before the market's own start (India 2024-07-01), however early the business's start", () => {
    const who = eligibleAccount({ primaryLocation: 'BR' }, '2024-01-01T00:00:00.000Z');
    assert.deepEqual(indian('2024-06-20T08:00:00Z').units(who).map((u) => u.category), ['authentication']);
    assert.deepEqual(indian('2024-07-02T08:00:00Z').units(who).map((u) => u.category), ['authentication_international']);
  });

  it('never applies at home, applies to an unverified primary location, and follows a dated change of location', () => {
    const home = eligibleAccount({ primaryLocation: 'IN' }, '2026-03-01T00:00:00.000Z');
    assert.deepEqual(priced(home, indian('2026-03-05T08:00:00Z')), ['India authentication regular 1 x 0.0014 = 0.00']);
    const unverified = eligibleAccount({ primaryLocation: 'IN', primaryLocationVerified: false }, '2026-03-01T00:00:00.000Z');
    assert.deepEqual(priced(unverified, indian('2026-03-05T08:00:00Z')), ['India authentication_international regular 1 x 0.0280 = 0.03']);
    const moving = eligibleAccount({ changes: [change({ effectiveFrom: '2026-05-01', primaryLocation: 'IN' })] }, '2026-03-01T00:00:00.000Z');
    assert.deepEqual(priced(moving, indian('2026-04-10T08:00:00Z')), ['India authentication_international regular 1 x 0.0280 = 0.03']);
    assert.deepEqual(priced(moving, indian('2026-05-10T08:00:00Z')), ['India authentication regular 1 x 0.0014 = 0.00']);
  });

  it('is never applied to a business that was not granted eligibility', () => {
    assert.deepEqual(priced(account({ primaryLocation: 'BR' }), indian('2026-03-12T08:00:00Z')), ['India authentication regular 1 x 0.0014 = 0.00']);
  });

  it('shares one volume-tier count with authentication in its market: a business past band 1 pays band 2 at the international rate', () => {
    const tiered: RateCardPublishedData = {
      rateCardId: 'meta-USD',
      version: '2026-01-tiered',
      currency: 'USD',
      effectiveFrom: '2026-01-01',
      rates: [
        { market: 'India', category: 'authentication', price: '0.0014' },
        { market: 'India', category: 'authentication_international', price: '0.0280' },
      ],
      tiers: [
        { market: 'India', category: 'authentication', from: 1, to: 2, price: '0.0014' },
        { market: 'India', category: 'authentication', from: 3, price: '0.0010' },
        { market: 'India', category: 'authentication_international', from: 1, to: 2, price: '0.0280' },
        { market: 'India', category: 'authentication_international', from: 3, price: '0.0250' },
      ],
    };
    const who = eligibleAccount({ primaryLocation: 'BR' }, '2026-03-10T00:00:00.000Z');
    const stories = ['2026-03-05T08:00:00Z', '2026-03-08T08:00:00Z', '2026-03-12T08:00:00Z', '2026-03-15T08:00:00Z'].map((at) => indian(at));
    const draft = draftOf(stories.flatMap((s) => s.units(who)), '2026-03', [tiered], [who]);
    assert.deepEqual(lineSummary(draft), ['India authentication regular [1-2] 2 x 0.0014 = 0.00', 'India authentication_international regular [3-] 2 x 0.0250 = 0.05']);
    assert.equal(draft.total, '0.05');
  });
});
