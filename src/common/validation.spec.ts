import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordStatusRequest } from '../messages/record-status/record-status.request.js';
import { LedgerError } from './ledger-error.js';
import { validateAs } from './validation.js';

const status = { wabaId: 'waba-1', phoneNumberId: 'pn-1', customer: '5511900000001', messageId: 'wamid.1', timestamp: '2025-10-06T12:00:00Z', status: 'delivered' };

function failure(plain: object): { code: string; field: string | undefined } {
  try {
    validateAs(RecordStatusRequest, plain, 'commands[0]');
  } catch (error) {
    assert.ok(error instanceof LedgerError);
    return { code: error.code, field: error.field };
  }
  assert.fail('validated');
}

describe('validation: rules looked up once per class still apply on every call', () => {
  it('checks the fields a request inherits and its own, on the first call and on every later one', () => {
    for (let call = 0; call < 3; call++) {
      assert.equal(validateAs(RecordStatusRequest, status, '').messageId, 'wamid.1');
      assert.deepEqual(failure({ ...status, wabaId: 'waba 1' }), { code: 'VALIDATION_FAILED', field: 'commands[0].wabaId' });
      assert.deepEqual(failure({ ...status, customer: '+5511900000001' }), { code: 'VALIDATION_FAILED', field: 'commands[0].customer' });
      assert.deepEqual(failure({ ...status, status: 'sent' }), { code: 'VALIDATION_FAILED', field: 'commands[0].status' });
      assert.deepEqual(failure({ ...status, status: 'failed' }), { code: 'VALIDATION_FAILED', field: 'commands[0].errors' });
      assert.deepEqual(failure({ ...status, surprise: 1 }), { code: 'VALIDATION_FAILED', field: 'commands[0].surprise' });
    }
  });
});
