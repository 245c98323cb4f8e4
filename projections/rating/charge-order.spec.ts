import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, cards, draftOf, Story, timeline } from '../../test/support/engine-kit.js';
import { draftHash } from '../invoices/invoice-hash.js';
import { ChargeOrder } from './charge-order.js';
import { RateCardBook } from './rate-card-book.js';
import { Rater } from './rating.projection.js';
import type { BillableUnit } from '../thread/thread.types.js';

describe('streaming rating in charge order', () => {
  it('gives the same draft, hash included, as rating the whole month at once', () => {
    const threads: { start: number; units: BillableUnit[] }[] = [];
    for (let i = 0; i < 40; i++) {
      const s = new Story(`2025-10-0${1 + (i % 9)}T0${i % 10}:00:00Z`, `55119${40000000 + i}`);
      s.template(0, i % 2 ? 'utility' : 'marketing');
      s.customerWrites(1 + (i % 3));
      s.template(2 + (i % 5) * 7, 'utility');
      threads.push({ start: Date.parse(s.at(0)), units: s.units() });
    }
    threads.sort((a, b) => a.start - b.start);
    const rater = new Rater({ accounts: new Map([['waba-1', account()]]), book: new RateCardBook([cards.usd2025q4()]), timeline });
    const order = new ChargeOrder((unit, at) => rater.add(unit, at));
    for (const thread of threads) {
      for (const unit of thread.units) order.push(unit);
      order.release(thread.start);
    }
    order.flush();
    assert.equal(order.held, 0);
    const batch = draftOf(threads.flatMap((t) => t.units), '2025-10', [cards.usd2025q4()]);
    assert.equal(draftHash(rater.draft('waba-1', '2025-10')), draftHash(batch));
  });
});
