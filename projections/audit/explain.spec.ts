import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, cards, draftOf, engine, Story } from '../../test/support/engine-kit.js';
import { foldThread } from '../thread/thread.projection.js';
import { explainThread, explanationText } from './explain.js';

describe('audit explanation of a thread', () => {
  it('lists every decision in order with the state before it, the rule, the unit and the rate-card row', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    const marketing = s.template(0, 'marketing');
    s.customerWrites(2);
    const utility = s.template(4, 'utility');
    const failed = s.send(5, 'marketing', 'failed');
    const result = foldThread(s.events, account(), engine, { trace: true });
    const draft = draftOf(result.units, '2025-10', [cards.usd2025q4()]);
    const explained = explainThread(result, [draft]);

    assert.deepEqual(
      explained.decisions.map((d) => [d.messageId, d.rule, d.action, d.pricedAs?.rateCard?.row ?? null, d.pricedAs?.charge ?? null]),
      [
        [marketing, 'D-marketing-charged', 'charged', 'Brazil/marketing', 'regular'],
        [explained.decisions[1]!.messageId, 'csw-opened', 'none', null, null],
        [utility, 'D-utility-in-window', 'free', 'Brazil/utility', 'free_customer_service'],
        [failed, 'failed-never-charged', 'none', null, null],
      ],
    );
    assert.equal(explained.decisions[2]!.before.customerService.open, true);
    assert.equal(explained.decisions[2]!.before.customerService.expiresAt, s.at(26));
    assert.equal(explained.decisions[0]!.pricedAs?.unitPrice, '0.0625');
    assert.equal(explained.decisions[0]!.pricedAs?.rateCard?.version, '2025-10-01');

    const text = explanationText(explained).split('\n');
    assert.equal(text.length, 4);
    assert.equal(
      text[0],
      `${s.at(0, 1)}  D  MessageDelivered ${marketing}: A delivered marketing template, always charged. (rule D-marketing-charged) [charged message:${marketing}] -> regular at 0.0625, card meta-USD 2025-10-01, row Brazil/marketing`,
    );
  });

  it('lists each unit with the charge it was rated at: a conversation in the free tier is free_tier', () => {
    const s = new Story('2022-03-01T09:00:00Z');
    s.customerWrites(0);
    s.text(0.1);
    const result = foldThread(s.events, account(), engine, { trace: true });
    const explained = explainThread(result, [draftOf(result.units, '2022-03', [cards.usd2022()])]);
    assert.deepEqual(result.units.map((u) => u.charge), ['regular']);
    assert.deepEqual(explained.units.map((u) => `${u.category} ${u.charge}`), ['user_initiated free_tier']);
  });

  it('records nothing when tracing is off, so bulk rating pays nothing for it', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.template(0, 'marketing');
    assert.deepEqual(foldThread(s.events, account(), engine).decisions, []);
  });
});
