import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Positioned, TemplateCategory } from './events.js';
import { account, cards, draftOf, engine } from '../test/support/engine-kit.js';
import { draftHash } from './invoices/invoice-hash.js';
import { foldThread } from './thread/thread.projection.js';

type Action = { kind: 'in'; referral: boolean } | { kind: 'out'; category: TemplateCategory | null; outcome: 'delivered' | 'read' | 'failed' | 'both' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('in' as const), referral: fc.boolean() }),
  fc.record({
    kind: fc.constant('out' as const),
    category: fc.constantFrom<TemplateCategory | null>('marketing', 'utility', 'authentication', null),
    outcome: fc.constantFrom('delivered' as const, 'read' as const, 'failed' as const, 'both' as const),
  }),
);

const starts = ['2022-06-01T00:00:00Z', '2023-08-01T00:00:00Z', '2025-06-29T00:00:00Z', '2025-10-01T00:00:00Z', '2026-09-29T00:00:00Z'];

/** A random history of one thread: actions minutes to a day apart, around several era changes. */
const history = fc.record({
  start: fc.constantFrom(...starts),
  customer: fc.constantFrom('5511987654321', '919876543210', '6281234567890', '12025550123'),
  steps: fc.array(fc.tuple(action, fc.integer({ min: 1, max: 36 * 60 })), { minLength: 1, maxLength: 25 }),
});

function eventsOf(h: { start: string; customer: string; steps: [Action, number][] }): { events: Positioned[]; failedOnly: string[] } {
  const key = { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: h.customer };
  const events: Positioned[] = [];
  const failedOnly: string[] = [];
  let t = Date.parse(h.start);
  h.steps.forEach(([step, gapMinutes], i) => {
    t += gapMinutes * 60_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const messageId = `wamid.p${i}`;
    if (step.kind === 'in') {
      events.push({ type: 'MessageReceived', data: { ...key, messageId, timestamp: at(t), kind: 'text', ...(step.referral ? { referral: { sourceType: 'ad' } } : {}) } });
      return;
    }
    events.push({ type: 'MessageSent', data: { ...key, messageId, timestamp: at(t), kind: step.category ? 'template' : 'text', ...(step.category ? { template: { name: 't', category: step.category } } : {}) } });
    if (step.outcome === 'failed') {
      failedOnly.push(messageId);
      events.push({ type: 'MessageFailed', data: { ...key, messageId, timestamp: at(t + 1000), errors: [{ code: 131049 }] } });
    } else {
      if (step.outcome !== 'read') events.push({ type: 'MessageDelivered', data: { ...key, messageId, timestamp: at(t + 1000) } });
      if (step.outcome !== 'delivered') events.push({ type: 'MessageRead', data: { ...key, messageId, timestamp: at(t + 2000) } });
    }
  });
  return { events, failedOnly };
}

const period = (units: { openedAt: string }[]) => units[0]?.openedAt.slice(0, 7) ?? '2025-10';
const book = [cards.usd2022(), cards.usd2023(), cards.usd2025q4(), cards.usd2026()];

describe('engine properties', () => {
  it('gives the same units and invoice whatever the arrival order and however often events repeat', () => {
    fc.assert(
      fc.property(history, fc.array(fc.nat(), { maxLength: 10 }), fc.integer(), (h, repeats, seed) => {
        const { events } = eventsOf(h);
        const replayed = [...events, ...repeats.map((r) => events[r % events.length]!)];
        const shuffled = fc.sample(fc.shuffledSubarray(replayed, { minLength: replayed.length, maxLength: replayed.length }), { numRuns: 1, seed })[0]!;
        const expected = foldThread(events, account(), engine).units;
        const actual = foldThread(shuffled, account(), engine).units;
        assert.deepEqual(actual, expected);
        const month = period(expected);
        assert.equal(draftHash(draftOf(actual, month, book)), draftHash(draftOf(expected, month, book)));
      }),
      { numRuns: 300 },
    );
  });

  it('never puts a message that only failed into a unit', () => {
    fc.assert(
      fc.property(history, (h) => {
        const { events, failedOnly } = eventsOf(h);
        const covered = new Set(foldThread(events, account(), engine).units.flatMap((u) => u.messageIds));
        for (const id of failedOnly) assert.equal(covered.has(id), false, `${id} failed but is billed`);
      }),
      { numRuns: 300 },
    );
  });
});
