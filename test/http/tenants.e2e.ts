import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountStream, legacyThreadStream, threadStream } from '../../projections/events.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import type { EventInput } from '../../src/event-store/event-store.port.js';
import { ADMIN_KEY, Client, countEvents, meta, startApp } from '../support/app.js';
import type { Reply, Running } from '../support/app.js';
import { cards } from '../support/engine-kit.js';

export interface TenantSubject {
  readonly config: LedgerConfig;
  teardown(): Promise<void>;
}

/** B is the tenant probed; A holds a key scoped to its own WABAs; nobody's ids are what no tenant uses. */
const A = 'waba-a';
const A2 = 'waba-a2';
const B = 'waba-b';
const PHONE_A = 'phone-a';
const PHONE_B = 'phone-b';
const CUSTOMER = '5511987650001';
/** A customer only B has written to. */
const CUSTOMER_B = '5511987650002';
const B_MESSAGE = 'wamid.b-secret';
const NOBODY = { waba: 'waba-nobody', phone: 'phone-nobody', message: 'wamid.nobody' };
const SENT_AT = '2025-10-06T10:00:00Z';

const template = (wabaId: string, phoneNumberId: string, messageId: string, timestamp = SENT_AT) => ({
  wabaId,
  phoneNumberId,
  customer: CUSTOMER,
  messageId,
  timestamp,
  kind: 'template',
  template: { name: 'promo', category: 'marketing' },
});
const status = (wabaId: string, phoneNumberId: string, messageId: string, state = 'delivered') => ({ wabaId, phoneNumberId, customer: CUSTOMER, messageId, timestamp: '2025-10-06T10:00:05Z', status: state });

/** A refusal as a client reads it, with the ids it was asked about put back as placeholders: two refusals compare equal when they differ only in the ids asked. */
function refusal(reply: Reply, ids: Record<string, string>): string {
  let text = JSON.stringify({ status: reply.status, code: reply.body.code, field: reply.body.field, detail: reply.body.detail, errors: reply.body.errors });
  for (const [placeholder, id] of Object.entries(ids)) text = text.replaceAll(id, placeholder);
  return text;
}

/** Cross-tenant probes over HTTP, written once and run on every store. */
export function tenantSuite(name: string, subject: () => Promise<TenantSubject>): void {
  describe(`tenants cannot see, block or bill each other: ${name}`, () => {
    let context: TenantSubject;
    let running: Running;
    let admin: Client;
    let probe: Client;
    let last = '';
    const written = (reply: Reply) => {
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      last = reply.body.position as string;
      return reply.body as { eventId: string; stream: string; duplicate: boolean };
    };

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      written(await admin.post('/rate-cards', cards.usd2025q4()));
      for (const [wabaId, phoneNumberId] of [[A, PHONE_A], [B, PHONE_B]] as const) {
        written(await admin.post('/accounts', { wabaId, portfolioId: `pf-${wabaId}`, timezone: 'UTC', currency: 'USD' }));
        written(await admin.post('/phone-numbers', { wabaId, phoneNumberId }));
      }
      written(await admin.post('/messages/sent', template(B, PHONE_B, B_MESSAGE)));
      written(await admin.post('/messages/sent', { ...template(B, PHONE_B, 'wamid.b-other'), customer: CUSTOMER_B }));
      const key = await admin.post<{ key: string }>('/api-keys', { roles: ['ingest', 'billing', 'auditor'], wabas: [A, A2] });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      probe = admin.as(key.body.key);
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    it("records a scoped key's message, status and number under another tenant's ids into its own account, as it would ids nobody uses", async () => {
      const own = (stream: string) => assert.ok(stream.startsWith(`thread-${A}~`) && !stream.includes(B), stream);
      for (const messageId of [B_MESSAGE, NOBODY.message]) {
        // The status first, as the attack had it: a delivery under the other tenant's message id, through the key's own number.
        const delivered = written(await probe.post('/messages/statuses', status(A, PHONE_A, messageId)));
        assert.deepEqual([delivered.duplicate, delivered.eventId], [false, `MessageDelivered:${A}~${messageId}`]);
        own(delivered.stream);
        const sent = written(await probe.post('/messages/sent', template(A, PHONE_A, messageId)));
        assert.deepEqual([sent.duplicate, sent.eventId], [false, `MessageSent:${A}~${messageId}`]);
        own(sent.stream);
      }
      for (const phoneNumberId of [PHONE_B, NOBODY.phone]) {
        const attached = written(await probe.post('/phone-numbers', { wabaId: A, phoneNumberId }));
        assert.deepEqual([attached.duplicate, attached.eventId, attached.stream], [false, `PhoneNumberAttached:${A}~${phoneNumberId}`, accountStream(A)]);
      }
      const batch = await probe.post<{ results: { eventId: string; stream: string; duplicate: boolean }[] }>('/commands/batch', {
        commands: [B_MESSAGE, NOBODY.message].map((messageId) => ({ type: 'MessageReceived', wabaId: A, phoneNumberId: PHONE_B, customer: CUSTOMER, messageId, timestamp: '2025-10-06T11:00:00Z', kind: 'text' })),
      });
      assert.equal(batch.status, 201, JSON.stringify(batch.body));
      last = (batch.body as unknown as { position: string }).position ?? last;
      assert.deepEqual(
        batch.body.results.map((r) => [r.duplicate, r.eventId, r.stream]),
        [B_MESSAGE, NOBODY.message].map((messageId) => [false, `MessageReceived:${A}~${messageId}`, threadStream(A, PHONE_B, CUSTOMER)]),
      );
    });

    it("answers a scoped key's reads and writes of another tenant's account, number and thread exactly as for ids nobody uses", async () => {
      const before = await countEvents(running.store);
      const pairs: [string, (ids: { waba: string; phone: string; message: string }) => Promise<Reply>][] = [
        ['the account', (ids) => probe.get(`/accounts/${ids.waba}`)],
        ['its draft', (ids) => probe.get(`/accounts/${ids.waba}/drafts?period=2025-10`)],
        ['its units', (ids) => probe.get(`/accounts/${ids.waba}/units?period=2025-10`)],
        ['its thread', (ids) => probe.get(`/audit/accounts/${ids.waba}/threads/${ids.phone}/${CUSTOMER}`)],
        ["its number's thread under the key's own account", (ids) => probe.get(`/audit/accounts/${A}/threads/${ids.phone}/${CUSTOMER_B}`)],
        ["its number's windows under the key's own account", (ids) => probe.get(`/accounts/${A}/windows?phoneNumberId=${ids.phone}&customer=${CUSTOMER_B}`)],
        ['a message into it', (ids) => probe.post('/messages/sent', template(ids.waba, ids.phone, ids.message))],
        ['a status into it', (ids) => probe.post('/messages/statuses', status(ids.waba, ids.phone, ids.message))],
        ['a number into it', (ids) => probe.post('/phone-numbers', { wabaId: ids.waba, phoneNumberId: 'phone-new' })],
        ['a registration of it', (ids) => probe.post('/accounts', { wabaId: ids.waba, portfolioId: `pf-${ids.waba}-2`, timezone: 'UTC', currency: 'USD' })],
        ['a batch into it', (ids) => probe.post('/commands/batch', { commands: [{ type: 'MessageSent', ...template(ids.waba, ids.phone, ids.message) }] })],
      ];
      for (const [what, ask] of pairs) {
        const answer = await ask({ waba: B, phone: PHONE_B, message: B_MESSAGE });
        const ghost = await ask(NOBODY);
        assert.ok(answer.status >= 400, `${what}: ${answer.status}`);
        assert.equal(refusal(answer, { WABA: B, PHONE: PHONE_B, MESSAGE: B_MESSAGE }), refusal(ghost, { WABA: NOBODY.waba, PHONE: NOBODY.phone, MESSAGE: NOBODY.message }), what);
      }
      assert.equal(await countEvents(running.store), before);
    });

    it("then records the other tenant's signed delivery, and bills it for its own message alone: 0.06", async () => {
      const receipt = await admin.webhook(meta.payload(B, PHONE_B, { statuses: [meta.status(CUSTOMER, B_MESSAGE, 'delivered', '2025-10-06T10:00:03Z')] }));
      assert.equal(receipt.status, 200);
      const outcome = await admin.processed(receipt.body.payload as string);
      assert.deepEqual([outcome.appended, outcome.duplicates, outcome.parked], [1, 0, []]);
      last = outcome.position!;
      const events: EventInput[] = [];
      for await (const event of running.store.readStream(threadStream(B, PHONE_B, CUSTOMER))) events.push(event);
      assert.deepEqual(
        events.map((e) => `${e.id} ${(e.data as { wabaId: string }).wabaId}`),
        [`MessageSent:${B}~${B_MESSAGE} ${B}`, `MessageDelivered:${B}~${B_MESSAGE} ${B}`],
      );
      const draft = await admin.get<{ draft: { total: string; lines: { category: string; quantity: number; amount: string }[] } }>(`/accounts/${B}/drafts?period=2025-10&minPosition=${last}`);
      assert.equal(draft.status, 200);
      assert.deepEqual([draft.body.draft.total, draft.body.draft.lines.map((l) => `${l.category} ${l.quantity} ${l.amount}`)], ['0.06', ['marketing 1 0.06']]);
      const own = await admin.get<{ draft: { total: string } }>(`/accounts/${A}/drafts?period=2025-10&minPosition=${last}`);
      assert.equal(own.body.draft.total, '0.13', "the key's own two delivered marketing messages");
    });

    it("refuses a scoped key a portfolio holding another tenant's account, naming only the portfolio it sent", async () => {
      const before = await countEvents(running.store);
      const reply = await probe.post('/accounts', { wabaId: A2, portfolioId: `pf-${B}`, timezone: 'UTC', currency: 'USD' });
      assert.deepEqual([reply.status, reply.body.code, reply.body.field], [403, 'ACCOUNT_OUT_OF_SCOPE', 'portfolioId']);
      assert.equal(reply.body.detail, `this key may not register into portfolio pf-${B}: it holds accounts outside the key's scope`);
      assert.equal(await countEvents(running.store), before);
    });

    it("answers a scoped key's reads of another tenant's issued invoice as for an invoice never issued", async () => {
      const issued = await admin.post<{ invoice: { invoiceId: string } }>('/invoices', { wabaId: B, period: '2025-10', minPosition: last });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const id = issued.body.invoice.invoiceId;
      const ghost = `${NOBODY.waba}.2025-10`;
      for (const path of ['', '/verify', '/revisions']) {
        const answer = await probe.get(`/invoices/${id}${path}`);
        assert.equal(answer.status, 404, path);
        assert.equal(refusal(answer, { INVOICE: id }), refusal(await probe.get(`/invoices/${ghost}${path}`), { INVOICE: ghost }), path);
      }
      const list = await probe.get<{ invoices: { invoiceId: string }[] }>('/invoices?period=2025-10');
      assert.ok(!JSON.stringify(list.body).includes(B), JSON.stringify(list.body));
    });
  });

  describe(`a log recorded before ids named their account stays valid: ${name}`, () => {
    let context: TenantSubject;
    let running: Running;
    let admin: Client;
    const OLD = 'waba-old';
    const PHONE_OLD = 'phone-old';
    const metadata = { recordedAt: '2025-10-07T12:00:00.000Z', actor: 'before', source: 'api', schemaVersion: 1 };
    const legacy = (type: string, key: string, data: object): EventInput => ({ id: `${type}:${key}`, type, data, metadata });
    const registration = { wabaId: OLD, portfolioId: 'pf-old', timezone: 'UTC', currency: 'USD', rateCardId: 'meta-USD' };

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      assert.equal((await admin.post('/rate-cards', cards.usd2025q4())).status, 201);
      await running.store.append(accountStream(OLD), [legacy('AccountRegistered', OLD, registration), legacy('PhoneNumberAttached', PHONE_OLD, { wabaId: OLD, phoneNumberId: PHONE_OLD })], { expected: 'no_stream' });
      const sent = { wabaId: OLD, phoneNumberId: PHONE_OLD, customer: CUSTOMER, messageId: 'wamid.old1', timestamp: '2025-10-07T10:00:00.000Z', kind: 'template', template: { name: 'promo', category: 'marketing' } };
      const delivered = { wabaId: OLD, phoneNumberId: PHONE_OLD, customer: CUSTOMER, messageId: 'wamid.old1', timestamp: '2025-10-07T10:00:02.000Z' };
      await running.store.append(legacyThreadStream(PHONE_OLD, CUSTOMER), [legacy('MessageSent', 'wamid.old1', sent), legacy('MessageDelivered', 'wamid.old1', delivered)], { expected: 'no_stream' });
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    it('answers every retried command with the event recorded under its old id, appending nothing', async () => {
      const before = await countEvents(running.store);
      const retries: [string, object, string][] = [
        ['/accounts', { wabaId: OLD, portfolioId: 'pf-old', timezone: 'UTC', currency: 'USD' }, `AccountRegistered:${OLD}`],
        ['/phone-numbers', { wabaId: OLD, phoneNumberId: PHONE_OLD }, `PhoneNumberAttached:${PHONE_OLD}`],
        ['/messages/sent', template(OLD, PHONE_OLD, 'wamid.old1', '2025-10-07T10:00:00Z'), 'MessageSent:wamid.old1'],
        ['/messages/statuses', { ...status(OLD, PHONE_OLD, 'wamid.old1'), timestamp: '2025-10-07T10:00:02Z' }, 'MessageDelivered:wamid.old1'],
      ];
      for (const [path, body, eventId] of retries) {
        const reply = await admin.post<{ duplicate: boolean; eventId: string }>(path, body);
        assert.deepEqual([reply.status, reply.body.duplicate, reply.body.eventId], [200, true, eventId], `${path}: ${JSON.stringify(reply.body)}`);
      }
      const batch = await admin.post<{ results: { duplicate: boolean; eventId: string }[] }>('/commands/batch', { commands: [{ type: 'MessageSent', ...template(OLD, PHONE_OLD, 'wamid.old1', '2025-10-07T10:00:00Z') }] });
      assert.deepEqual(batch.body.results.map((r) => [r.duplicate, r.eventId]), [[true, 'MessageSent:wamid.old1']]);
      assert.equal(await countEvents(running.store), before);
    });

    it('refuses the same old message id with other content, naming only the message', async () => {
      const reply = await admin.post('/messages/sent', template(OLD, PHONE_OLD, 'wamid.old1', '2025-10-07T11:00:00Z'));
      assert.deepEqual([reply.status, reply.body.code, reply.body.field], [409, 'MESSAGE_ID_CONFLICT', 'messageId']);
    });

    it("continues an old number's thread in its old stream, bills it, and gives another tenant attaching the same number id a thread of its own", async () => {
      assert.equal((await admin.post('/accounts', { wabaId: A, portfolioId: 'pf-a', timezone: 'UTC', currency: 'USD' })).status, 201);
      const attached = await admin.post<{ position: string }>('/phone-numbers', { wabaId: A, phoneNumberId: PHONE_OLD });
      assert.equal(attached.status, 201);
      const hidden = await admin.get(`/audit/accounts/${A}/threads/${PHONE_OLD}/${CUSTOMER}?minPosition=${attached.body.position}`);
      assert.deepEqual([hidden.status, hidden.body.code], [404, 'THREAD_UNKNOWN'], 'the old stream of that number id is the other tenant\'s');
      const next = await admin.post<{ stream: string; revision: number; position: string }>('/messages/received', { wabaId: OLD, phoneNumberId: PHONE_OLD, customer: CUSTOMER, messageId: 'wamid.old2', timestamp: '2025-10-07T11:00:00Z', kind: 'text' });
      assert.deepEqual([next.status, next.body.stream, next.body.revision], [201, legacyThreadStream(PHONE_OLD, CUSTOMER), 2]);
      const theirs = await admin.post<{ stream: string; duplicate: boolean; position: string }>('/messages/sent', template(A, PHONE_OLD, 'wamid.old1', '2025-10-07T10:00:00Z'));
      assert.deepEqual([theirs.status, theirs.body.duplicate, theirs.body.stream], [201, false, threadStream(A, PHONE_OLD, CUSTOMER)]);
      const draft = await admin.get<{ draft: { total: string; lines: { category: string; quantity: number }[] } }>(`/accounts/${OLD}/drafts?period=2025-10&minPosition=${theirs.body.position}`);
      assert.deepEqual([draft.body.draft.total, draft.body.draft.lines.map((l) => `${l.category} ${l.quantity}`)], ['0.06', ['marketing 1']]);
    });
  });
}
