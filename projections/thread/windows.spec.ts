import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Windows } from './thread.types.js';
import { anyOpen, openUntil, windowsLater } from './windows.js';

const snapshot: Windows = {
  at: '2025-10-06T12:00:00.000Z',
  customerService: { open: true, expiresAt: '2025-10-07T12:00:00.000Z' },
  conversations: [{ category: 'marketing', openedAt: '2025-10-06T10:00:00.000Z', expiresAt: '2025-10-07T10:00:00.000Z', unitId: 'conversation:m1' }],
  freeEntryPoint: { open: true, expiresAt: '2025-10-09T12:00:00.000Z' },
};

describe('windows after the last event', () => {
  it('keeps a window open until the instant before it expires, and closes it exactly at expiry', () => {
    const before = windowsLater(snapshot, Date.parse('2025-10-07T11:59:59.999Z'));
    assert.deepEqual(before.customerService, { open: true, expiresAt: '2025-10-07T12:00:00.000Z' });
    assert.deepEqual(before.conversations, []);
    const at = windowsLater(snapshot, Date.parse('2025-10-07T12:00:00.000Z'));
    assert.deepEqual(at.customerService, { open: false, expiresAt: null });
    assert.deepEqual(at.freeEntryPoint, { open: true, expiresAt: '2025-10-09T12:00:00.000Z' });
    assert.equal(at.at, '2025-10-07T12:00:00.000Z');
  });

  it('reports the last expiry of any window, and nothing open once all have expired', () => {
    assert.equal(openUntil(snapshot), Date.parse('2025-10-09T12:00:00.000Z'));
    const later = windowsLater(snapshot, Date.parse('2025-10-09T12:00:00.000Z'));
    assert.equal(anyOpen(later), false);
    assert.equal(openUntil(later), null);
  });
});
