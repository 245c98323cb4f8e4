import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainToInstance } from 'class-transformer';
import { RecordReceivedRequest, ReferralRequest } from '../messages/record-received/record-received.request.js';
import { RecordStatusRequest, StatusErrorRequest } from '../messages/record-status/record-status.request.js';
import { LedgerError } from './ledger-error.js';
import { RunBatchRequest } from '../batch/run-batch/run-batch.request.js';
import { UnitsParams } from '../read-models/queries/query-params.js';
import { toInstance, validateAs, validationPipe } from './validation.js';

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

describe('validation: a body becomes an instance without class-transformer where no @Type asks for one, as class-transformer would make it', () => {
  const received = { wabaId: 'waba-1', phoneNumberId: 'pn-1', customer: '5511900000001', messageId: 'wamid.2', timestamp: '2025-10-06T12:00:00Z', kind: 'text' };

  it('copies strings, numbers, booleans, nulls and undefined onto an instance of the class', () => {
    for (const body of [received, { ...received, kind: null, extra: 3, flag: true, gone: undefined }, {}]) {
      const fast = toInstance(RecordReceivedRequest, body);
      assert.equal(Object.getPrototypeOf(fast), RecordReceivedRequest.prototype);
      assert.deepEqual({ ...fast }, { ...plainToInstance(RecordReceivedRequest, body) });
    }
  });

  it('keeps an object at a property without @Type as it is (Meta\'s stated pricing)', () => {
    const body = { ...status, stated: { pricing: { billable: true, category: 'marketing' }, conversation: { id: 'c1' } } };
    const fast = toInstance(RecordStatusRequest, body);
    assert.equal(Object.getPrototypeOf(fast), RecordStatusRequest.prototype);
    assert.deepEqual({ ...fast }, { ...plainToInstance(RecordStatusRequest, body) });
    assert.deepEqual(validateAs(RecordStatusRequest, body, '').stated, body.stated);
  });

  it('leaves objects at @Type properties and keys that name a method to class-transformer', () => {
    const nested = toInstance(RecordReceivedRequest, { ...received, referral: { sourceType: 'ad', sourceId: '1' } });
    assert.ok(nested.referral instanceof ReferralRequest);
    const failed = toInstance(RecordStatusRequest, { ...status, status: 'failed', errors: [{ code: 131049 }] });
    assert.ok(failed.errors?.[0] instanceof StatusErrorRequest);
    const named = toInstance(RecordReceivedRequest, { ...received, toString: 'x' });
    assert.deepEqual({ ...named }, { ...plainToInstance(RecordReceivedRequest, { ...received, toString: 'x' }) });
    assert.equal(Object.hasOwn(named, 'toString'), false);
  });
});

describe('validation: the HTTP pipe makes the instance class-transformer would, without copying plain bodies', () => {
  it('converts a value at a @Type property that is not an object (a number from a query string)', async () => {
    const query = { period: '2025-07', limit: '5', offset: '0' };
    assert.deepEqual({ ...toInstance(UnitsParams, query) }, { ...plainToInstance(UnitsParams, query) });
    const piped = (await validationPipe().transform(query, { type: 'query', metatype: UnitsParams })) as UnitsParams;
    assert.ok(piped instanceof UnitsParams);
    assert.deepEqual({ ...piped }, { period: '2025-07', limit: 5, offset: 0 });
  });

  it('hands a batch its commands as they came, validated', async () => {
    const body = { commands: [{ type: 'MessageReceived', wabaId: 'waba-1' }] };
    const piped = (await validationPipe().transform(body, { type: 'body', metatype: RunBatchRequest })) as RunBatchRequest;
    assert.ok(piped instanceof RunBatchRequest);
    assert.equal(piped.commands, body.commands);
    await assert.rejects(validationPipe().transform({ commands: [] }, { type: 'body', metatype: RunBatchRequest }), (error: LedgerError) => error.field === 'commands');
  });
});
