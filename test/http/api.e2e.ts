import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { ADMIN_KEY, Client, countEvents, meta, sign, startApp, VERIFY_TOKEN } from '../support/app.js';
import type { Running } from '../support/app.js';
import { cards, readRepo } from '../support/engine-kit.js';

export interface ApiSubject {
  readonly config: LedgerConfig;
  teardown(): Promise<void>;
}

const WABA = 'waba-e2e';
const OTHER = 'waba-other';
const PHONE = 'phone-e2e';
const CUSTOMER = '5511987654321';

/** The billing API end to end over HTTP, written once and run on every store. */
export function apiSuite(name: string, subject: () => Promise<ApiSubject>): void {
  describe(`billing API over HTTP: ${name}`, () => {
    let context: ApiSubject;
    let running: Running;
    let admin: Client;
    let keys: { ingest: string; billing: string; auditor: string; scoped: string };
    let last = '0/0';

    const thread = { wabaId: WABA, phoneNumberId: PHONE, customer: CUSTOMER };
    const sent = async (id: string, at: string, category?: string) => {
      const reply = await admin.as(keys.ingest).post('/messages/sent', {
        ...thread,
        messageId: id,
        timestamp: at,
        kind: category ? 'template' : 'text',
        ...(category ? { template: { name: `${category}_t`, category } } : {}),
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
    };
    /** A payload through the inbox, once processed: its receipt and outcome. */
    const webhook = async (value: Record<string, unknown>) => {
      const reply = await admin.webhook(meta.payload(WABA, PHONE, value));
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const outcome = await admin.processed(reply.body.payload as string);
      if (outcome.position) last = outcome.position;
      return { receipt: reply.body, outcome };
    };

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      const key = async (roles: string[], wabas?: string[]) => {
        const reply = await admin.post<{ key: string }>('/api-keys', { roles, ...(wabas ? { wabas } : {}) });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        return reply.body.key;
      };
      keys = { ingest: await key(['ingest']), billing: await key(['billing']), auditor: await key(['auditor']), scoped: await key(['billing', 'auditor'], [WABA]) };
      const billing = admin.as(keys.billing);
      const card = cards.usd2025q4();
      assert.equal((await billing.post('/rate-cards', card)).status, 201);
      for (const wabaId of [WABA, OTHER]) {
        assert.equal((await billing.post('/accounts', { wabaId, portfolioId: `pf-${wabaId}`, timezone: 'America/Sao_Paulo', currency: 'USD' })).status, 201);
      }
      assert.equal((await billing.post('/phone-numbers', { wabaId: WABA, phoneNumberId: PHONE })).status, 201);
      assert.equal((await billing.post('/phone-numbers', { wabaId: OTHER, phoneNumberId: 'phone-other' })).status, 201);

      // A day of traffic: the customer writes at 09:00 local, the business answers, sends templates; one fails.
      await webhook({ contacts: [{ wa_id: CUSTOMER }], messages: [meta.inbound(CUSTOMER, 'wamid.in1', '2025-10-06T12:00:00Z')] });
      await sent('wamid.out1', '2025-10-06T12:05:00Z');
      await sent('wamid.mkt1', '2025-10-06T13:00:00Z', 'marketing');
      await sent('wamid.utl1', '2025-10-06T14:00:00Z', 'utility');
      await sent('wamid.mkt2', '2025-10-06T15:00:00Z', 'marketing');
      await sent('wamid.utl2', '2025-10-07T13:00:00Z', 'utility');
      await webhook({
        statuses: [
          meta.status(CUSTOMER, 'wamid.out1', 'delivered', '2025-10-06T12:05:01Z', { pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' } }),
          meta.status(CUSTOMER, 'wamid.mkt1', 'sent', '2025-10-06T13:00:00Z'),
          meta.status(CUSTOMER, 'wamid.mkt1', 'delivered', '2025-10-06T13:00:01Z', { pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' } }),
          meta.status(CUSTOMER, 'wamid.mkt1', 'read', '2025-10-06T13:05:00Z'),
          meta.status(CUSTOMER, 'wamid.utl1', 'delivered', '2025-10-06T14:00:01Z', { pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' } }),
          meta.status(CUSTOMER, 'wamid.mkt2', 'failed', '2025-10-06T15:00:01Z', { errors: [{ code: 131049, title: 'not delivered to maintain healthy ecosystem engagement' }] }),
        ],
      });
      await webhook({ statuses: [meta.status(CUSTOMER, 'wamid.utl2', 'delivered', '2025-10-07T13:00:01Z', { pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' } })] });
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    describe('a day of traffic in Meta webhook format', () => {
      it('keeps the customer service window open 24 h from the customer message, read at an instant', async () => {
        const reply = await admin.as(keys.billing).get<{ threads: { windows: { customerService: unknown } }[]; position: string }>(
          `/accounts/${WABA}/windows?at=2025-10-06T20:00:00Z&phoneNumberId=${PHONE}&customer=${CUSTOMER}&minPosition=${last}`,
        );
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(reply.body.threads[0]!.windows.customerService, { open: true, expiresAt: '2025-10-07T12:00:00.000Z' });
        const closed = await admin.as(keys.billing).get<{ threads: unknown[] }>(`/accounts/${WABA}/windows?at=2025-10-07T12:00:00Z&minPosition=${last}`);
        assert.deepEqual(closed.body.threads, [], 'exactly 24 h later the window is closed');
      });

      it('bills one charged marketing and one charged utility message; replies and utility inside the window are free; the failed one is not billed', async () => {
        const reply = await admin.as(keys.billing).get<{ units: { messageIds: string[]; category: string; charge: string }[] }>(
          `/accounts/${WABA}/units?period=2025-10&minPosition=${last}`,
        );
        assert.equal(reply.status, 200);
        assert.deepEqual(
          reply.body.units.map((u) => `${u.messageIds.join(',')} ${u.category} ${u.charge}`),
          ['wamid.out1 service free_customer_service', 'wamid.mkt1 marketing regular', 'wamid.utl1 utility free_customer_service', 'wamid.utl2 utility regular'],
        );
      });

      it('prices the draft from the published card: 0.06 + 0.01, each line with its rate card row', async () => {
        const reply = await admin.as(keys.billing).get<{
          draft: { total: string; lines: { market: string; category: string; charge: string; quantity: number; unitPrice: string; amount: string; rateCard: unknown }[] };
          hash: string;
        }>(`/accounts/${WABA}/drafts?period=2025-10&minPosition=${last}`);
        assert.equal(reply.status, 200);
        assert.deepEqual(
          reply.body.draft.lines.map((l) => `${l.market} ${l.category} ${l.charge} ${l.quantity} x ${l.unitPrice} = ${l.amount}`),
          ['Brazil marketing regular 1 x 0.0625 = 0.06', 'Brazil service free_customer_service 1 x 0 = 0.00', 'Brazil utility regular 1 x 0.0068 = 0.01', 'Brazil utility free_customer_service 1 x 0 = 0.00'],
        );
        assert.equal(reply.body.draft.total, '0.07');
        assert.deepEqual(reply.body.draft.lines[0]!.rateCard, { id: 'meta-USD', version: '2025-10-01', row: 'Brazil/marketing' });
        assert.match(reply.body.hash, /^sha256:[0-9a-f]{64}$/);
      });

      it('explains the thread decision by decision, and reconciles with what Meta stated', async () => {
        const explained = await admin.as(keys.auditor).get<{ decisions: { messageId: string; action: string }[]; text: string }>(
          `/audit/accounts/${WABA}/threads/${PHONE}/${CUSTOMER}?minPosition=${last}`,
        );
        assert.equal(explained.status, 200);
        assert.deepEqual(explained.body.decisions.filter((d) => d.action === 'charged').map((d) => d.messageId), ['wamid.mkt1', 'wamid.utl2']);
        const report = await admin.as(keys.auditor).get<{ findings: unknown[]; messages: number }>(`/accounts/${WABA}/reconciliation?period=2025-10&minPosition=${last}`);
        assert.equal(report.status, 200);
        assert.equal(report.body.messages, 4);
        assert.deepEqual(report.body.findings, []);
      });
    });

    describe('idempotency and bad input', () => {
      it('appends nothing when Meta delivers the same payload again', async () => {
        const before = await countEvents(running.store);
        const { receipt } = await webhook({ statuses: [meta.status(CUSTOMER, 'wamid.utl2', 'delivered', '2025-10-07T13:00:01Z', { pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' } })] });
        assert.equal(receipt.duplicate, true);
        assert.equal(await countEvents(running.store), before, 'not even to the inbox');
      });

      it('refuses a webhook whose signature does not match, and appends nothing', async () => {
        const before = await countEvents(running.store);
        const payload = meta.payload(WABA, PHONE, { messages: [meta.inbound(CUSTOMER, 'wamid.forged', '2025-10-08T12:00:00Z')] });
        const reply = await admin.webhook(payload, sign(JSON.stringify(payload), 'not-the-secret'));
        assert.equal(reply.status, 401);
        assert.match(reply.type ?? '', /^application\/problem\+json/);
        assert.equal(reply.body.code, 'SIGNATURE_INVALID');
        assert.equal(await countEvents(running.store), before);
      });

      it('answers a malformed body with problem+json and appends nothing', async () => {
        const before = await countEvents(running.store);
        const reply = await admin.as(keys.ingest).post('/messages/sent', '{"wabaId": ');
        assert.equal(reply.status, 400);
        assert.equal(reply.body.code, 'BODY_MALFORMED');
        const missing = await admin.as(keys.ingest).post('/messages/sent', { ...thread, messageId: 'wamid.x', kind: 'text' });
        assert.equal(missing.status, 400);
        assert.equal(missing.body.code, 'VALIDATION_FAILED');
        assert.equal(missing.body.field, 'timestamp');
        assert.equal(await countEvents(running.store), before);
      });

      it('refuses a message for an unknown account or number with 404, and appends nothing', async () => {
        const before = await countEvents(running.store);
        const unknown = await admin.as(keys.ingest).post('/messages/sent', { ...thread, wabaId: 'waba-nobody', messageId: 'wamid.u1', timestamp: '2025-10-08T12:00:00Z', kind: 'text' });
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.code, 'ACCOUNT_UNKNOWN');
        const number = await admin.as(keys.ingest).post('/messages/sent', { ...thread, phoneNumberId: 'phone-nobody', messageId: 'wamid.u2', timestamp: '2025-10-08T12:00:00Z', kind: 'text' });
        assert.equal(number.status, 404);
        assert.equal(number.body.code, 'PHONE_NUMBER_UNKNOWN');
        assert.equal(await countEvents(running.store), before);
      });

      it('answers a retried command with its original position and a conflicting one with 409', async () => {
        const command = { ...thread, messageId: 'wamid.retry', timestamp: '2025-10-08T12:00:00Z', kind: 'text' };
        const first = await admin.as(keys.ingest).post('/messages/sent', command);
        const again = await admin.as(keys.ingest).post('/messages/sent', command);
        assert.equal(first.status, 201);
        assert.equal(again.status, 200);
        assert.equal(again.body.duplicate, true);
        assert.equal(again.body.position, first.body.position);
        const conflict = await admin.as(keys.ingest).post('/messages/sent', { ...command, kind: 'image' });
        assert.equal(conflict.status, 409);
        assert.equal(conflict.body.code, 'MESSAGE_ID_CONFLICT');
        assert.equal(conflict.body.field, 'messageId');
      });

      it('takes a batch whole, or refuses it whole naming the failing command', async () => {
        const before = await countEvents(running.store);
        const ok = { type: 'MessageReceived', ...thread, messageId: 'wamid.b1', timestamp: '2025-10-09T12:00:00Z', kind: 'text' };
        const bad = await admin.as(keys.ingest).post('/commands/batch', { commands: [ok, { ...ok, messageId: 'wamid.b2', timestamp: 'yesterday' }] });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.field, 'commands[1].timestamp');
        assert.equal(await countEvents(running.store), before);
        const good = await admin.as(keys.ingest).post<{ results: { duplicate: boolean }[] }>('/commands/batch', { commands: [ok, { ...ok, messageId: 'wamid.b2' }] });
        assert.equal(good.status, 201);
        assert.deepEqual(good.body.results.map((r) => r.duplicate), [false, false]);
        assert.equal(await countEvents(running.store), before + 2);
      });
    });

    describe("Meta's CSV rate cards", () => {
      it('publishes a card as Meta prints it, names the query field it lacks, and the line of a damaged copy', async () => {
        const billing = admin.as(keys.billing);
        const csv = readRepo('projections/data/meta-usd-2026-01.csv');
        const headers = { 'content-type': 'text/csv' };
        const ok = await billing.request('POST', '/rate-cards/csv?rateCardId=csv-card&version=2026-01&currency=USD', csv, headers);
        assert.equal(ok.status, 201, JSON.stringify(ok.body));
        assert.equal(ok.body.eventId, 'RateCardPublished:csv-card:2026-01');
        const noCurrency = await billing.request('POST', '/rate-cards/csv?rateCardId=csv-card&version=2026-02', csv, headers);
        assert.equal(noCurrency.status, 400);
        assert.equal(noCurrency.body.field, 'currency');
        const damaged = await billing.request('POST', '/rate-cards/csv?rateCardId=csv-card&version=2026-03&currency=USD', csv.replace(/0\.0625/, 'abc'), headers);
        assert.equal(damaged.status, 400);
        assert.equal(damaged.body.code, 'RATE_CARD_CSV_INVALID');
        assert.match(String(damaged.body.field), /^line \d+/);
      });
    });

    describe('keys and roles', () => {
      it('refuses a request without a key, and a role that may not call the route', async () => {
        const anonymous = await new Client(running.url).get(`/accounts/${WABA}/drafts?period=2025-10`);
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
        const before = await countEvents(running.store);
        const ingest = await admin.as(keys.ingest).post('/accounts', { wabaId: 'waba-new', portfolioId: 'p', timezone: 'UTC', currency: 'USD' });
        assert.equal(ingest.status, 403);
        assert.equal(ingest.body.code, 'ROLE_FORBIDDEN');
        assert.equal(await countEvents(running.store), before);
      });

      it('checks the key before reading the body, on every route that needs one: a malformed body without a key is 401, never 400', async () => {
        const doc = (await (await fetch(`${running.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
        const anonymous = new Client(running.url);
        const answers: string[] = [];
        for (const [path, methods] of Object.entries(doc.paths)) {
          for (const [method, op] of Object.entries(methods)) {
            if (!op.security) continue;
            const url = path.replace(/\{[^}]+\}/g, 'x');
            const reply = await anonymous.request(method.toUpperCase(), url, method === 'get' || method === 'delete' ? undefined : '{"not json', method === 'get' || method === 'delete' ? {} : { 'content-type': 'application/json' });
            answers.push(`${method.toUpperCase()} ${path} ${reply.status} ${String(reply.body.code)}`);
          }
        }
        assert.ok(answers.length >= 37, `${answers.length} routes need a key`);
        assert.deepEqual(answers.filter((a) => !a.endsWith(' 401 UNAUTHENTICATED')), []);
      });

      it('marks every answer nosniff, and billing data not to be stored by any cache', async () => {
        const draft = await admin.get(`/accounts/${WABA}/drafts?period=2025-10`);
        assert.equal(draft.headers?.['x-content-type-options'], 'nosniff');
        assert.equal(draft.headers?.['cache-control'], 'no-store');
        const refused = await new Client(running.url).get('/invoices');
        assert.equal(refused.headers?.['x-content-type-options'], 'nosniff');
        assert.equal(refused.headers?.['cache-control'], 'no-store');
        const unknown = await admin.request('DELETE', '/accounts');
        assert.deepEqual([unknown.status, unknown.body.code], [404, 'ROUTE_NOT_FOUND']);
      });

      it('reads the Bearer scheme in any case, as RFC 9110 has it', async () => {
        const anonymous = new Client(running.url);
        for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
          const reply = await anonymous.get(`/accounts/${WABA}/drafts?period=2025-10`, { authorization: `${scheme} ${keys.auditor}` });
          assert.equal(reply.status, 200, scheme);
        }
        const basic = await anonymous.get(`/accounts/${WABA}/drafts?period=2025-10`, { authorization: `Basic ${keys.auditor}` });
        assert.equal(basic.status, 401);
      });

      it('says what is wrong: a failed status without its errors names them missing; a body not sent as JSON is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        const before = await countEvents(running.store);
        const failed = await admin.post('/messages/statuses', { ...thread, messageId: 'wamid.nofail', timestamp: '2025-10-08T12:00:00Z', status: 'failed' });
        assert.equal(failed.status, 400);
        assert.deepEqual(failed.body.errors, [{ field: 'errors', code: 'isDefined', detail: "errors is required when status is failed: Meta's errors, as [{ code, title? }]" }]);
        for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
          const reply = await admin.post('/accounts', JSON.stringify({ wabaId: 'waba-typed', portfolioId: 'p', timezone: 'UTC', currency: 'USD' }), { 'content-type': type });
          assert.equal(reply.status, 415, type);
          assert.equal(reply.body.code, 'UNSUPPORTED_MEDIA_TYPE', type);
        }
        assert.equal(await countEvents(running.store), before);
      });

      it("lets a scoped key register its WABA only into a portfolio holding none of another tenant's, over the route and the batch", async () => {
        const reply = await admin.post<{ key: string }>('/api-keys', { roles: ['billing'], wabas: [WABA, 'waba-joiner', 'waba-batched'] });
        const scoped = admin.as(reply.body.key);
        const before = await countEvents(running.store);
        const intruding = await scoped.post('/accounts', { wabaId: 'waba-joiner', portfolioId: `pf-${OTHER}`, timezone: 'UTC', currency: 'USD' });
        assert.deepEqual([intruding.status, intruding.body.code, intruding.body.field], [403, 'ACCOUNT_OUT_OF_SCOPE', 'portfolioId']);
        const batched = await scoped.post('/commands/batch', { commands: [{ type: 'AccountRegistered', wabaId: 'waba-batched', portfolioId: `pf-${OTHER}`, timezone: 'UTC', currency: 'USD' }] });
        assert.deepEqual([batched.status, batched.body.code, batched.body.field], [403, 'ACCOUNT_OUT_OF_SCOPE', 'commands[0].portfolioId']);
        assert.equal(await countEvents(running.store), before);
        const joining = await scoped.post('/accounts', { wabaId: 'waba-joiner', portfolioId: `pf-${WABA}`, timezone: 'UTC', currency: 'USD' });
        assert.equal(joining.status, 201, JSON.stringify(joining.body));
      });

      it('lets an auditor read and never write', async () => {
        const before = await countEvents(running.store);
        const write = await admin.as(keys.auditor).post('/messages/sent', { ...thread, messageId: 'wamid.aud', timestamp: '2025-10-08T12:00:00Z', kind: 'text' });
        assert.equal(write.status, 403);
        const batch = await admin.as(keys.auditor).post('/commands/batch', { commands: [{ type: 'MessageReceived', ...thread, messageId: 'wamid.aud2', timestamp: '2025-10-08T12:00:00Z', kind: 'text' }] });
        assert.equal(batch.status, 403);
        assert.equal(await countEvents(running.store), before);
        assert.equal((await admin.as(keys.auditor).get(`/accounts/${WABA}/drafts?period=2025-10`)).status, 200);
      });

      it('hides every other account from a key scoped to one WABA: 404, as if it did not exist', async () => {
        const scoped = admin.as(keys.scoped);
        assert.equal((await scoped.get(`/accounts/${WABA}/drafts?period=2025-10`)).status, 200);
        const other = await scoped.get(`/accounts/${OTHER}/drafts?period=2025-10`);
        assert.equal(other.status, 404);
        assert.equal(other.body.code, 'ACCOUNT_UNKNOWN');
        const write = await scoped.post('/messages/sent', { wabaId: OTHER, phoneNumberId: 'phone-other', customer: CUSTOMER, messageId: 'wamid.sc', timestamp: '2025-10-08T12:00:00Z', kind: 'text' });
        assert.equal(write.status, 404);
      });
    });

    describe('operations', () => {
      it("answers Meta's verification handshake with the challenge, and refuses a wrong token", async () => {
        const ok = await new Client(running.url).get(`/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
        assert.equal(ok.status, 200);
        assert.equal(ok.body, '1158201444');
        const wrong = await new Client(running.url).get('/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1');
        assert.equal(wrong.status, 403);
      });

      it('reports health with the projection position, metrics for Prometheus, and the OpenAPI document', async () => {
        const health = await new Client(running.url).get<{ status: string; projection: { position: string } }>('/health');
        assert.equal(health.status, 200);
        assert.equal(health.body.status, 'ok');
        assert.match(health.body.projection.position, /^\d+\/\d+$/);
        const metrics = await new Client(running.url).get<string>('/metrics');
        assert.match(metrics.body, /ledger_appends_total\{source="webhook",outcome="appended"\} \d+/);
        assert.match(metrics.body, /ledger_rejections_total\{code="SIGNATURE_INVALID"\} 1/);
        const docs = await new Client(running.url).get<{ paths: Record<string, unknown> }>('/docs/openapi.json');
        assert.ok(docs.body.paths['/messages/sent'] && docs.body.paths['/accounts/{wabaId}/drafts'] && docs.body.paths['/webhooks/whatsapp']);
      });
    });
  });
}
