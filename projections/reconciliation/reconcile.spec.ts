import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Positioned } from '../events.js';
import { eligibleAccount, engine, Story } from '../../test/support/engine-kit.js';
import { foldThread } from '../thread/thread.projection.js';
import { reconcile } from './reconcile.js';

function stateOn(s: Story, messageId: string, stated: object): void {
  const index = s.events.findIndex((e) => e.type === 'MessageDelivered' && e.data.messageId === messageId);
  const event = s.events[index]!;
  s.events[index] = { ...event, data: { ...event.data, stated } } as Positioned;
}

describe("reconciliation with Meta's stated pricing", () => {
  it('finds nothing when Meta agrees, reading its category spellings leniently', () => {
    const s = new Story('2025-10-06T08:00:00Z', '919876543210');
    const id = s.template(0, 'authentication');
    stateOn(s, id, { pricing: { billable: true, pricing_model: 'PMP', category: 'authentication-international', type: 'regular' } });
    const eligible = eligibleAccount({ primaryLocation: 'BR' });
    assert.deepEqual(reconcile(s.events, foldThread(s.events, eligible, engine).units), []);
  });

  it('lists a recategorised template and a free-or-charged disagreement by kind', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0);
    const id = s.template(1, 'utility');
    stateOn(s, id, { pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' } });
    const findings = reconcile(s.events, s.units());
    assert.deepEqual(findings, [
      { messageId: id, kind: 'category', ledger: 'utility', meta: 'marketing' },
      { messageId: id, kind: 'billable', ledger: 'false', meta: 'true' },
      { messageId: id, kind: 'type', ledger: 'free_customer_service', meta: 'regular' },
    ]);
  });

  it('finds conversation boundaries Meta drew differently, and a different expiry', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    const a = s.template(0, 'marketing');
    const b = s.template(2, 'marketing');
    const expiry = String(Math.floor(Date.parse(s.at(24, 1)) / 1000));
    stateOn(s, a, { pricing: { billable: true, pricing_model: 'CBP', category: 'marketing' }, conversation: { id: 'c1', expiration_timestamp: expiry } });
    stateOn(s, b, { pricing: { billable: true, pricing_model: 'CBP', category: 'marketing' }, conversation: { id: 'c2', expiration_timestamp: String(Number(expiry) + 3600) } });
    const findings = reconcile(s.events, s.units());
    assert.deepEqual(findings.map((f) => f.kind), ['conversation_expiry', 'conversation_split']);
    assert.equal(findings[1]!.meta, 'c1,c2');
  });
});
