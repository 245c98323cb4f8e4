import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, cards, draftOf, Story, timeline } from '../../../test/support/engine-kit.js';
import { draftHash } from '../../../projections/invoices/invoice-hash.js';
import { RateCardBook } from '../../../projections/rating/rate-card-book.js';
import type { Charged, MonthChange } from './month-raters.js';
import { byCharge, MonthRaters } from './month-raters.js';

const card = cards.usd2025q4();
const book = new RateCardBook([card]);
const accounts = new Map([['waba-1', account()]]);

/** Marketing templates to Brazil, one a day from 2025-10-01 08:00 UTC. */
function charged(days: readonly number[]): Charged[] {
  return days
    .flatMap((day) => {
      const story = new Story('2025-10-01T08:00:00Z', `5511${String(900000000 + day)}`);
      story.template(day * 24, 'marketing');
      return story.units();
    })
    .map((unit) => ({ unit, at: Date.parse(unit.openedAt) }))
    .sort(byCharge);
}

const change = (added: Charged[], whole = false): MonthChange => ({ added, whole });
const hashOf = (units: Charged[]) => draftHash(draftOf(units.map((c) => c.unit), '2025-10', [card]));

describe('month raters', () => {
  it('feeds units charged after the last rated one to the kept rater: the same draft as rating the month from all its units', () => {
    const raters = new MonthRaters(10);
    const first = charged([0, 1, 2]);
    const later = charged([5, 6]);
    raters.start('p|2025-10', book, timeline, accounts, first);
    const rater = raters.extend('p|2025-10', book, accounts, [change(later)]);
    assert.ok(rater);
    const draft = rater.draft('waba-1', '2025-10');
    assert.equal(draft.lines[0]!.quantity, 5);
    assert.equal(draftHash(draft), hashOf([...first, ...later]));
  });

  it('rewinds for a unit charged among the last ones it fed on: the draft of rating the month in charge order', () => {
    const raters = new MonthRaters(10, 2);
    const month = charged([0, 1, 2, 3, 4, 5, 6]);
    const feed = (...days: number[]) => raters.extend('p|2025-10', book, accounts, [change(days.map((d) => month[d]!))]);
    raters.start('p|2025-10', book, timeline, accounts, month.slice(0, 2));
    assert.ok(feed(2));
    assert.ok(feed(4));
    assert.ok(feed(6));
    const rater = feed(5);
    assert.ok(rater, 'day 5 falls among the last two fed (4 and 6): rewound');
    assert.equal(draftHash(rater.draft('waba-1', '2025-10')), hashOf(month.filter((_, d) => d !== 3)));
    assert.equal(feed(3), undefined, 'day 3 falls before them: the month is rated from its units');
  });

  it('gives up the units kept for rewinding of the least recently rated months beyond its budget: late units then rate them whole', () => {
    const raters = new MonthRaters(10, 2, 2);
    const p = charged([0, 1, 2, 3]);
    const q = charged([0, 1, 2]);
    raters.start('p|2025-10', book, timeline, accounts, [p[0]!, p[2]!]);
    raters.start('q|2025-10', book, timeline, accounts, [q[0]!, q[2]!]);
    assert.equal(raters.extend('p|2025-10', book, accounts, [change([p[1]!])]), undefined, 'p gave its units up to q');
    assert.ok(raters.extend('q|2025-10', book, accounts, [change([q[1]!])]), 'q rewinds');
    raters.start('p|2025-10', book, timeline, accounts, [p[0]!, p[2]!]);
    assert.ok(raters.extend('p|2025-10', book, accounts, [change([p[3]!])]), 'in order, a month extends without them');
  });

  it('refuses a month where a rated unit changed or left, even when every added unit is later', () => {
    const raters = new MonthRaters(10);
    raters.start('p|2025-10', book, timeline, accounts, charged([0, 1]));
    assert.equal(raters.extend('p|2025-10', book, accounts, [change(charged([5]), true)]), undefined);
  });

  it('refuses an account-month waiting for another reason (a rate card or a setting marked it), which has no change recorded', () => {
    const raters = new MonthRaters(10);
    raters.start('p|2025-10', book, timeline, accounts, charged([0]));
    assert.equal(raters.extend('p|2025-10', book, accounts, [change(charged([5])), undefined]), undefined);
  });

  it('refuses a rater kept under another rate card book or another account context', () => {
    const raters = new MonthRaters(10);
    raters.start('p|2025-10', book, timeline, accounts, charged([0]));
    assert.equal(raters.extend('p|2025-10', new RateCardBook([card]), accounts, [change(charged([5]))]), undefined);
    assert.equal(raters.extend('p|2025-10', book, new Map([['waba-1', account()]]), [change(charged([5]))]), undefined);
  });

  it('keeps only the most recently rated months', () => {
    const raters = new MonthRaters(1);
    raters.start('p|2025-10', book, timeline, accounts, charged([0]));
    raters.start('q|2025-10', book, timeline, accounts, charged([0]));
    assert.equal(raters.extend('p|2025-10', book, accounts, [change(charged([5]))]), undefined);
    assert.ok(raters.extend('q|2025-10', book, accounts, [change(charged([5]))]));
  });
});
