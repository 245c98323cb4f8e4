import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageKey } from './message-write.js';

const key = { wabaId: 'waba-1', phoneNumberId: 'pn-1', customer: '5511900000001', messageId: 'wamid.1' };

describe('messageKey: a message event stores its timestamp in UTC, in the form toISOString writes', () => {
  it('converts an offset, a missing fraction and a short fraction to it', () => {
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T14:00:00+02:00' }).timestamp, '2025-10-06T12:00:00.000Z');
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T12:00:00Z' }).timestamp, '2025-10-06T12:00:00.000Z');
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T12:00:00.5Z' }).timestamp, '2025-10-06T12:00:00.500Z');
  });

  it('keeps an instant already in that form as it came', () => {
    for (const timestamp of ['2025-10-06T12:00:00.000Z', '2024-02-29T23:59:59.999Z', '1999-12-31T00:00:00.001Z']) {
      assert.equal(messageKey({ ...key, timestamp }).timestamp, timestamp);
    }
  });
});
