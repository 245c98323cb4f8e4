import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { ADMIN_KEY, Client, countEvents, meta, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';

export interface FuzzSubject {
  readonly config: LedgerConfig;
  teardown(): Promise<void>;
}

const WABA = 'waba-fuzz';
const PHONE = 'phone-fuzz';
const CUSTOMER = '5511987654321';

/** A valid request per write route: the fuzzer breaks one or more of its fields. */
const ROUTES: readonly { readonly path: string; readonly body: Record<string, unknown> }[] = [
  { path: '/accounts', body: { wabaId: 'waba-fuzz-new', portfolioId: 'pf-fuzz', timezone: 'UTC', currency: 'USD' } },
  { path: '/phone-numbers', body: { wabaId: WABA, phoneNumberId: 'phone-fuzz-new' } },
  { path: `/accounts/${WABA}/settings`, body: { effectiveFrom: '2025-11-01', primaryLocation: 'BR' } },
  { path: '/messages/sent', body: { wabaId: WABA, phoneNumberId: PHONE, customer: CUSTOMER, messageId: 'wamid.f1', timestamp: '2025-10-06T08:00:00Z', kind: 'template', template: { name: 'promo', category: 'marketing' } } },
  { path: '/messages/received', body: { wabaId: WABA, phoneNumberId: PHONE, customer: CUSTOMER, messageId: 'wamid.f2', timestamp: '2025-10-06T07:00:00Z', kind: 'text' } },
  { path: '/messages/statuses', body: { wabaId: WABA, phoneNumberId: PHONE, customer: CUSTOMER, messageId: 'wamid.f1', timestamp: '2025-10-06T08:00:01Z', status: 'delivered', stated: { pricing: { category: 'marketing' } } } },
  { path: '/rate-cards', body: { rateCardId: 'fuzz-USD', currency: 'USD', effectiveFrom: '2025-10-01', rates: [{ market: 'Brazil', category: 'marketing', price: '0.0625' }] } },
  { path: '/commands/batch', body: { commands: [{ type: 'MessageReceived', wabaId: WABA, phoneNumberId: PHONE, customer: CUSTOMER, messageId: 'wamid.f3', timestamp: '2025-10-06T09:00:00Z', kind: 'text' }] } },
  { path: '/invoices', body: { wabaId: WABA, period: '2025-10' } },
  { path: '/api-keys', body: { roles: ['billing'], wabas: [WABA] } },
];

/** What a careless or hostile client puts in a field. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e13,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    'usd',
    '2025-02-31',
    '2025-W41-1T08:00:00Z',
    '2025-279T08:00:00Z',
    '20251006T080000Z',
    '2025-10-06T08:00:00,5Z',
    '2025-10-06T08Z',
    '1969-12-31T23:59:59Z',
    '9999-12-31T23:59:59Z',
    '0000-01',
    '__proto__',
    'constructor',
    'toString',
    'a\u0000b',
    'a\nb',
    'a\u202eb',
    'a\u200bb',
    'a\ud800b',
    'Brasil',
    'x'.repeat(5_000),
    [],
    [[]],
    {},
    { __proto__: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** A request of one route with some fields replaced, removed or added. */
const request = fc
  .record({
    route: fc.constantFrom(...ROUTES),
    changes: fc.array(fc.tuple(fc.constantFrom('replace', 'remove', 'add'), fc.nat(20), hostile, fc.constantFrom('extra', 'template', 'stated', 'type', '__proto__')), { minLength: 1, maxLength: 3 }),
  })
  .map(({ route, changes }) => {
    const body: Record<string, unknown> = structuredClone(route.body);
    for (const [how, index, value, name] of changes) {
      const keys = Object.keys(body);
      const key = keys[index % keys.length]!;
      if (how === 'replace') body[key] = value;
      else if (how === 'remove') delete body[key];
      else Object.defineProperty(body, name, { value, enumerable: true, writable: true, configurable: true });
    }
    return { path: route.path, body };
  });

/** Hostile webhook payloads, signed as Meta signs them: malformed, for unknown accounts, with broken items. */
const webhook = fc
  .record({
    waba: fc.constantFrom(WABA, 'waba-unknown'),
    phone: fc.constantFrom(PHONE, 'phone-unknown'),
    timestamp: fc.oneof(fc.constantFrom<unknown>('1759737600', 1e13, -1, '2025', null, 'soon'), fc.integer()),
    status: fc.constantFrom('delivered', 'read', 'failed', 'sent', 'deleted', ''),
    id: fc.oneof(fc.constantFrom('wamid.w1', '', 'a\u0000b'), fc.string({ maxLength: 10 })),
    object: fc.constantFrom<unknown>('whatsapp_business_account', 'page', null),
  })
  .map((w) => {
    const payload = meta.payload(w.waba, w.phone, { statuses: [{ id: w.id, status: w.status, timestamp: w.timestamp, recipient_id: CUSTOMER }] }) as Record<string, unknown>;
    return { ...payload, object: w.object };
  });

/** Hostile requests over every write route and the webhook: none answers 5xx, a refusal appends nothing, what is accepted is processed. */
export function fuzzSuite(name: string, subject: () => Promise<FuzzSubject>): void {
  describe(`the edge under generated hostile requests: ${name}`, () => {
    let context: FuzzSubject;
    let running: Running;
    let admin: Client;

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      assert.equal((await admin.post('/accounts', { wabaId: WABA, portfolioId: 'pf-fuzz', timezone: 'UTC', currency: 'USD' })).status, 201);
      assert.equal((await admin.post('/phone-numbers', { wabaId: WABA, phoneNumberId: PHONE })).status, 201);
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    it('answers 500 generated requests without a 5xx; every refusal is problem+json naming its fields and appends nothing', async () => {
      const requests = fc.sample(request, { numRuns: 500, seed: 20_261_202 });
      let accepted = 0;
      for (const r of requests) {
        const before = await countEvents(running.store);
        const reply = await admin.post(r.path, JSON.stringify(r.body));
        const shown = `${r.path} ${JSON.stringify(r.body).slice(0, 300)} -> ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`;
        assert.ok(reply.status < 500, shown);
        if (reply.status >= 400) {
          assert.match(reply.type ?? '', /^application\/problem\+json/, shown);
          assert.match(String(reply.body.code), /^[A-Z_]+$/, shown);
          const errors = reply.body.errors as { field: string }[] | undefined;
          if (reply.body.field !== undefined) assert.equal(errors?.[0]?.field, reply.body.field, shown);
          assert.equal(await countEvents(running.store), before, shown);
        } else accepted += 1;
      }
      assert.ok(accepted > 0, 'some generated requests are valid ones');
    });

    it('answers 100 generated signed webhooks without a 5xx', async () => {
      for (const payload of fc.sample(webhook, { numRuns: 100, seed: 1202 })) {
        const reply = await admin.webhook(payload);
        assert.ok(reply.status < 500, `${JSON.stringify(payload).slice(0, 300)} -> ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
      }
    });

    it('folds and rates everything it accepted: no projection failure', async () => {
      const deadline = Date.now() + 20_000;
      let lag: number | undefined;
      while (Date.now() < deadline) {
        lag = (await admin.get<{ projection: { lagEvents: number } }>('/health')).body.projection.lagEvents;
        if (lag === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(lag, 0);
      const failures = await admin.get<{ failures: unknown[] }>('/projection/failures');
      assert.deepEqual(failures.body.failures, []);
    });
  });
}
