import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { ADMIN_KEY, Client, countEvents, meta, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { readRepo } from '../support/engine-kit.js';

export interface EdgeSubject {
  readonly config: LedgerConfig;
  teardown(): Promise<void>;
}

const WABA = 'waba-edge';
const PHONE = 'phone-edge';
const CUSTOMER = '5511987654321';

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
  /** Every field the problem must name, the first one in `field`. */
  readonly fields?: readonly string[];
}

const sent = (overrides: Record<string, unknown>) => ({ wabaId: WABA, phoneNumberId: PHONE, customer: CUSTOMER, messageId: 'wamid.edge', timestamp: '2025-10-06T08:00:00Z', kind: 'text', ...overrides });
const card = (overrides: Record<string, unknown>) => ({ rateCardId: 'edge-USD', currency: 'USD', effectiveFrom: '2025-10-01', rates: [{ market: 'Brazil', category: 'marketing', price: '0.0625' }], ...overrides });
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Inputs a careful tester sent, each refused with a code and every failing field, appending nothing. */
const CASES: readonly Case[] = [
  { name: 'a lower-case currency', path: '/accounts', body: { wabaId: 'w-usd', portfolioId: 'p', timezone: 'UTC', currency: 'usd' }, status: 400, code: 'VALIDATION_FAILED', fields: ['currency'] },
  { name: 'a currency without a known minor unit', path: '/accounts', body: { wabaId: 'w-xau', portfolioId: 'p', timezone: 'UTC', currency: 'XAU' }, status: 400, code: 'VALIDATION_FAILED', fields: ['currency'] },
  { name: 'a template message without its template', path: '/messages/sent', body: sent({ kind: 'template' }), status: 400, code: 'VALIDATION_FAILED', fields: ['template'] },
  { name: 'a template sent as an array', path: '/messages/sent', body: sent({ kind: 'template', template: [] }), status: 400, code: 'VALIDATION_FAILED', fields: ['template'] },
  { name: 'a rate card effective on 2025-02-31', path: '/rate-cards', body: card({ effectiveFrom: '2025-02-31' }), status: 400, code: 'VALIDATION_FAILED', fields: ['effectiveFrom'] },
  { name: 'a CSV rate card effective on 2025-02-31', path: '/rate-cards/csv?rateCardId=edge-csv&currency=USD&effectiveFrom=2025-02-31', body: readRepo('projections/data/meta-usd-2026-01.csv'), headers: { 'content-type': 'text/csv' }, status: 400, code: 'VALIDATION_FAILED', fields: ['effectiveFrom'] },
  { name: 'a message id with a lone surrogate', path: '/messages/sent', body: '{"wabaId":"waba-edge","phoneNumberId":"phone-edge","customer":"5511987654321","messageId":"wamid.\\ud800","timestamp":"2025-10-06T08:00:00Z","kind":"text"}', status: 400, code: 'VALIDATION_FAILED', fields: ['messageId'] },
  ...['2025-W41-1T08:00:00Z', '2025-279T08:00:00Z', '20251006T080000Z', '2025-10-06T08:00:00,5Z', '2025-10-06T08Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59Z'].map(
    (timestamp): Case => ({ name: `the timestamp ${timestamp}`, path: '/messages/sent', body: sent({ timestamp }), status: 400, code: 'VALIDATION_FAILED', fields: ['timestamp'] }),
  ),
  { name: 'windows at a week date', method: 'GET', path: `/accounts/${WABA}/windows?at=2025-W41-1T08:00:00Z`, status: 400, code: 'VALIDATION_FAILED', fields: ['at'] },
  { name: 'explain for the month 0000-01', method: 'GET', path: `/audit/accounts/${WABA}/explain?period=0000-01`, status: 400, code: 'VALIDATION_FAILED', fields: ['period'] },
  ...['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map(
    (type): Case => ({ name: `the batch command type ${type}`, path: '/commands/batch', body: { commands: [{ type, wabaId: WABA }] }, status: 400, code: 'COMMAND_TYPE_UNKNOWN', fields: ['commands[0].type'] }),
  ),
  { name: 'a body nested 5,000 levels deep', path: '/commands/batch', body: `{"commands":${nested(5_000)}}`, status: 400, code: 'BODY_TOO_DEEP', fields: ['body'] },
  { name: 'a body nested 100,000 levels deep', path: '/messages/sent', body: `{"stated":${nested(100_000)}}`, status: 400, code: 'BODY_TOO_DEEP', fields: ['body'] },
  {
    name: 'a rate card pricing one row twice',
    path: '/rate-cards',
    body: card({ rates: [{ market: 'Brazil', category: 'marketing', price: '0.0625' }, { market: 'Brazil', category: 'marketing', price: '0.0700' }] }),
    status: 400,
    code: 'RATE_CARD_INVALID',
    fields: ['rates[1]'],
  },
  { name: 'a rate card with a market no map knows', path: '/rate-cards', body: card({ rates: [{ market: 'Brasil', category: 'marketing', price: '0.0625' }] }), status: 400, code: 'RATE_CARD_INVALID', fields: ['rates[0].market'] },
  {
    name: 'tier bands backwards and overlapping',
    path: '/rate-cards',
    body: card({
      tiers: [
        { market: 'Brazil', category: 'utility', from: 1, to: 100, price: '0.0068' },
        { market: 'Brazil', category: 'utility', from: 50, to: 20, price: '0.0050' },
      ],
    }),
    status: 400,
    code: 'RATE_CARD_INVALID',
    fields: ['tiers[1]', 'tiers[1]'],
  },
  { name: 'a CSV row shorter than its header', path: '/rate-cards/csv?rateCardId=edge-csv&currency=USD', body: readRepo('projections/data/meta-usd-2026-01.csv').replace('Brazil,$US,0.0625,0.0068,0.0068,n/a,n/a', 'Brazil,$US,0.0625,0.0068'), headers: { 'content-type': 'text/csv' }, status: 400, code: 'RATE_CARD_CSV_INVALID' },
  { name: 'a 7 MB stated object', path: '/messages/statuses', body: sent({ status: 'delivered', kind: undefined, stated: { pricing: { note: 'x'.repeat(7_000_000) } } }), status: 400, code: 'VALIDATION_FAILED', fields: ['stated'] },
  ...[['NUL', '\u0000'], ['newline', '\n'], ['right-to-left override', '\u202e'], ['zero-width space', '\u200b']].map(
    ([what, char]): Case => ({ name: `a message id with a ${what}`, path: '/messages/sent', body: sent({ messageId: `wamid.${char}x` }), status: 400, code: 'VALIDATION_FAILED', fields: ['messageId'] }),
  ),
  { name: 'three failing fields at once', path: '/messages/sent', body: sent({ customer: '+55', timestamp: 'yesterday', kind: 'template' }), status: 400, code: 'VALIDATION_FAILED', fields: ['customer', 'timestamp', 'template'] },
];

/** The strict edge over HTTP, written once and run on every store. */
export function edgeSuite(name: string, subject: () => Promise<EdgeSubject>): void {
  describe(`the strict edge: ${name}`, () => {
    let context: EdgeSubject;
    let running: Running;
    let admin: Client;

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      assert.equal((await admin.post('/accounts', { wabaId: WABA, portfolioId: 'pf-edge', timezone: 'UTC', currency: 'USD' })).status, 201);
      assert.equal((await admin.post('/phone-numbers', { wabaId: WABA, phoneNumberId: PHONE })).status, 201);
      assert.equal((await admin.post('/rate-cards', card({ version: 'v1' }))).status, 201);
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    for (const c of CASES) {
      it(`refuses ${c.name} with ${c.status} ${c.code}, naming every failing field, and appends nothing`, async () => {
        const before = await countEvents(running.store);
        const reply = await admin.request(c.method ?? 'POST', c.path, c.body, c.headers);
        assert.equal(reply.status, c.status, JSON.stringify(reply.body).slice(0, 500));
        assert.match(reply.type ?? '', /^application\/problem\+json/);
        assert.equal(reply.body.code, c.code, JSON.stringify(reply.body).slice(0, 500));
        if (c.fields) {
          const fields = (reply.body.errors as { field: string }[]).map((e) => e.field);
          assert.equal(reply.body.field, fields[0], 'the first failing field stays in `field`');
          assert.deepEqual([...fields].sort(), [...c.fields].sort());
        }
        assert.equal(await countEvents(running.store), before);
      });
    }

    it('refuses an EUR version of a USD card: a card id keeps one currency', async () => {
      const reply = await admin.post('/rate-cards', card({ currency: 'EUR', version: 'v2' }));
      assert.deepEqual([reply.status, reply.body.code, reply.body.field], [409, 'RATE_CARD_CURRENCY_CHANGED', 'currency']);
    });

    it('takes a signed webhook status whose timestamp is 1e13 (200) and parks it with why, never a 5xx', async () => {
      const reply = await admin.webhook(meta.payload(WABA, PHONE, { statuses: [{ id: 'wamid.far', status: 'delivered', timestamp: 1e13, recipient_id: CUSTOMER }] }));
      assert.equal(reply.status, 200);
      const outcome = await admin.processed(reply.body.payload as string);
      assert.deepEqual(outcome.parked.map((p) => p.code), ['WEBHOOK_MALFORMED']);
    });
  });
}
