import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, engine, Story } from '../../test/support/engine-kit.js';
import { foldThread } from '../thread/thread.projection.js';
import { windowBars } from './window-bars.js';

describe('window bars: the windows a thread had open, for a time line', () => {
  it('draws a reply to an ad in 2023 as a 24 h customer service window, and a 72 h free entry point with its conversation, which absorbs a template inside it', () => {
    const s = new Story('2023-03-06T08:00:00Z');
    s.customerWrites(0, { referral: true });
    s.text(1);
    s.template(30, 'marketing');
    const { decisions } = foldThread(s.events, account(), engine, { trace: true });
    assert.deepEqual(
      windowBars(decisions).map((b) => `${b.kind} ${b.category ?? '-'} ${b.from} ${b.to}`),
      [
        `customer_service - ${s.at(0)} ${s.at(24)}`,
        `conversation referral_conversion ${s.at(1, 1)} ${s.at(73, 1)}`,
        `free_entry_point - ${s.at(1, 1)} ${s.at(73, 1)}`,
      ],
    );
  });

  it('extends one customer service bar when the customer writes again inside it, and starts another after it expired', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0);
    s.customerWrites(10);
    s.customerWrites(50);
    const { decisions } = foldThread(s.events, account(), engine, { trace: true });
    assert.deepEqual(
      windowBars(decisions).map((b) => `${b.kind} ${b.from} ${b.to}`),
      [`customer_service ${s.at(0)} ${s.at(34)}`, `customer_service ${s.at(50)} ${s.at(74)}`],
    );
  });
});
