import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ClassConstructor } from 'class-transformer';
import { getMetadataStorage, IsInt, IsString, validateSync } from 'class-validator';
import '../app.module.js';
import { RegisterAccountRequest } from '../accounts/register-account/register-account.request.js';
import { RecordReceivedRequest } from '../messages/record-received/record-received.request.js';
import { RecordSentRequest } from '../messages/record-sent/record-sent.request.js';
import { RecordStatusRequest } from '../messages/record-status/record-status.request.js';
import { PublishRateCardRequest } from '../rate-cards/publish-rate-card/publish-rate-card.request.js';
import { surelyValid } from './rule-plan.js';
import { OPTIONS, toInstance } from './validation.js';

type Body = Record<string, unknown>;

const key = { wabaId: 'waba-1', phoneNumberId: 'pn-1', customer: '5511900000001', messageId: 'wamid.1', timestamp: '2025-10-06T12:00:00.000Z' };
const templates: [ClassConstructor<object>, Body][] = [
  [RecordStatusRequest, { ...key, status: 'delivered', stated: { pricing: { billable: true, category: 'marketing' } } }],
  [RecordStatusRequest, { ...key, status: 'failed', errors: [{ code: 131049, title: 'Not delivered' }, { code: '131026' }] }],
  [RecordReceivedRequest, { ...key, kind: 'text', referral: { sourceType: 'ad', sourceId: '120', ctwaClid: 'clid' } }],
  [RecordSentRequest, { ...key, timestamp: '2025-10-06T12:00:00-03:00', kind: 'template', template: { name: 'offer', language: 'pt_BR', category: 'marketing' } }],
  [RegisterAccountRequest, { wabaId: 'waba-1', portfolioId: 'pf-1', timezone: 'America/Sao_Paulo', currency: 'BRL', rateCardId: 'meta-usd', primaryLocation: 'BR' }],
  [
    PublishRateCardRequest,
    {
      rateCardId: 'meta-usd',
      version: '2025-10-01',
      currency: 'USD',
      effectiveFrom: '2025-10-01',
      rates: [{ market: 'India', category: 'marketing', price: '0.0107' }],
      tiers: [{ market: 'India', category: 'utility', price: '0.0014', from: 1, to: 1000 }, { market: 'India', category: 'utility', price: '0.001', from: 1001 }],
    },
  ],
];

/** Values that pass some rule of these classes and fail others. */
const pool: unknown[] = [
  ...['', 'x', 'x'.repeat(65), 'x'.repeat(300), 'waba 1', 'delivered', 'read', 'failed', 'sent', 'marketing', 'utility', 'Marketing'],
  ...['2025-10-06T12:00:00Z', '2025-10-06T12:00:00.000Z', '2025-10-06 12:00:00Z', '2025-02-29T12:00:00Z', '2025-10-06T12:00:00', '2025-10-01', '2025-1-01'],
  ...['USD', 'usd', 'XXX', 'America/Sao_Paulo', 'Mars/Base', 'BR', 'ZZ', '5511900000001', '+5511900000001', '0.0107', '1e3', '131049'],
  ...[0, 1, 1000, -1, 1.5, 131049, Number.NaN, true, false, null, undefined],
  ...[[], [{}], [1], {}, { code: 1 }, { code: null }, { sourceType: 'ad' }, { name: 't', category: 'utility' }, { market: 'India', category: 'marketing', price: '0.01' }],
  Array.from({ length: 33 }, () => ({ code: 1 })),
];

/** Every place a mutation can reach: the keys of the body and of the objects inside it. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, i) => paths(item, [...at, i]))];
  if (typeof value === 'object' && value !== null) return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

type Mutation = { path: (string | number)[]; op: 'set'; value: unknown } | { path: (string | number)[]; op: 'delete' | 'extra' };

function mutate(body: Body, mutations: readonly Mutation[]): Body {
  const copy = structuredClone(body);
  for (const mutation of mutations) {
    const { path } = mutation;
    const parent = path.slice(0, -1).reduce<unknown>((node, step) => (node as Record<string | number, unknown> | undefined)?.[step], copy) as Record<string | number, unknown> | undefined;
    const last = path[path.length - 1];
    if (mutation.op === 'extra') {
      const target = (path.length ? parent?.[last!] : copy) as Record<string, unknown> | undefined;
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) target.surprise = 1;
    } else if (typeof parent === 'object' && parent !== null && last !== undefined) {
      if (mutation.op === 'set') parent[last] = mutation.value;
      else delete parent[last];
    }
  }
  return copy;
}

function agrees(type: ClassConstructor<object>, body: Body): boolean {
  const instance = toInstance(type, body);
  return surelyValid(instance) === (validateSync(instance, OPTIONS).length === 0);
}

describe('rule plan: a command passes the fast check exactly when class-validator finds nothing wrong', () => {
  it('passes every valid template without asking class-validator', () => {
    for (const [type, body] of templates) {
      const instance = toInstance(type, body);
      assert.deepEqual(validateSync(instance, OPTIONS), []);
      assert.equal(surelyValid(instance), true, type.name);
    }
  });

  it('gives the verdict class-validator gives on templates with fields replaced, removed or added, nested ones included', () => {
    for (const [type, body] of templates) {
      const mutation = fc.oneof(
        fc.record({ path: fc.constantFrom(...paths(body).filter((p) => p.length)), op: fc.constant('set' as const), value: fc.constantFrom(...pool) }),
        fc.record({ path: fc.constantFrom(...paths(body).filter((p) => p.length)), op: fc.constant('delete' as const) }),
        fc.record({ path: fc.constantFrom(...paths(body)), op: fc.constant('extra' as const) }),
      );
      fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => agrees(type, mutate(body, mutations))), { numRuns: 400, seed: 42 });
    }
  });

  it('gives the verdict class-validator gives on random bodies of every request class in the app', () => {
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, unknown> };
    const classes = [...storage.validationMetadatas.keys()].filter((t): t is ClassConstructor<object> => typeof t === 'function');
    assert.ok(classes.length >= 20, `${classes.length} classes`);
    for (const type of classes) {
      const names = [...new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', false, false).map((m) => m.propertyName)), 'surprise'];
      const body = fc.dictionary(fc.constantFrom(...names), fc.constantFrom(...pool), { maxKeys: names.length });
      fc.assert(fc.property(body, (plain) => agrees(type, plain)), { numRuns: 100, seed: 7 });
    }
  });

  it('applies `each` to every item and skips a rule whose own `validateIf` says no, as class-validator does', () => {
    class Tagged {
      @IsString({ each: true })
      tags!: unknown;

      @IsInt({ validateIf: (object: Tagged) => object.tags !== 'none' })
      count!: unknown;
    }
    const cases: [Body, boolean][] = [
      [{ tags: ['a', 'b'], count: 1 }, true],
      [{ tags: ['a', 2], count: 1 }, false],
      [{ tags: 'a', count: 1 }, true],
      [{ tags: 'none', count: 'many' }, true],
      [{ tags: ['a'], count: 'many' }, false],
    ];
    for (const [body, valid] of cases) {
      const instance = Object.assign(new Tagged(), body);
      assert.equal(validateSync(instance, OPTIONS).length === 0, valid, JSON.stringify(body));
      assert.equal(surelyValid(instance), valid, JSON.stringify(body));
    }
  });

  it('leaves class instances it cannot answer for to class-validator: no rules, a null prototype', () => {
    class Bare {}
    assert.equal(surelyValid(new Bare()), false);
    assert.equal(surelyValid(Object.assign(Object.create(null) as object, key)), false);
  });
});
