import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM } from '../auth/scope.js';
import type { CommandContext } from '../common/command-context.js';
import { LedgerError } from '../common/ledger-error.js';
import { messageKey } from './message-write.js';

const key = { wabaId: 'waba-1', phoneNumberId: 'pn-1', customer: '5511900000001', messageId: 'wamid.1' };
const context: CommandContext = { scope: SYSTEM, source: 'api', correlationId: 'c', recordedAt: '2025-10-07T00:00:00.000Z' };

describe('messageKey: a message event stores its timestamp in UTC, in the form toISOString writes', () => {
  it('converts an offset, a missing fraction, a short and a long fraction to it', () => {
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T14:00:00+02:00' }, context).timestamp, '2025-10-06T12:00:00.000Z');
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T12:00:00Z' }, context).timestamp, '2025-10-06T12:00:00.000Z');
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T12:00:00.5Z' }, context).timestamp, '2025-10-06T12:00:00.500Z');
    assert.equal(messageKey({ ...key, timestamp: '2025-10-06T12:00:00.123456789Z' }, context).timestamp, '2025-10-06T12:00:00.123Z');
  });

  it('keeps an instant already in that form as it came', () => {
    for (const timestamp of ['2025-10-06T12:00:00.000Z', '2024-02-29T23:59:59.999Z', '2018-01-01T00:00:00.001Z']) {
      assert.equal(messageKey({ ...key, timestamp }, context).timestamp, timestamp);
    }
  });

  it('refuses a timestamp more than a day past the ledger clock, naming the field', () => {
    assert.equal(messageKey({ ...key, timestamp: '2025-10-08T00:00:00.000Z' }, context).timestamp, '2025-10-08T00:00:00.000Z');
    assert.throws(
      () => messageKey({ ...key, timestamp: '2025-10-08T00:00:00.001Z' }, context, 'commands[2].'),
      (error: unknown) => error instanceof LedgerError && error.code === 'VALIDATION_FAILED' && error.field === 'commands[2].timestamp',
    );
  });
});
