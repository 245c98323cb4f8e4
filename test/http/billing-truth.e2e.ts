import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RateCardPublishedData } from '../../projections/events.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { ADMIN_KEY, Client, countEvents, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { runCli } from '../support/cli.js';

export interface TruthSubject {
  readonly config: LedgerConfig;
  /** The same store for the `ledger` CLI. */
  readonly env: NodeJS.ProcessEnv;
  teardown(): Promise<void>;
}

/** The WABA of Meta's account_update samples. */
const WABA = '102290129340398';
const OTHER = 'waba-truth-other';
const PHONE = 'phone-truth';
const INDIA = '919876543210';
const INDONESIA = '6281234567890';
const BRAZIL = '5511987654321';

const samples = new URL('../../../../shared/data/webhooks/', import.meta.url);
const sample = (name: string): object => JSON.parse(readFileSync(new URL(name, samples), 'utf8')) as object;

function card(version: string, effectiveFrom: string, marketing: string): RateCardPublishedData {
  return {
    rateCardId: 'meta-USD',
    version,
    currency: 'USD',
    effectiveFrom,
    rates: [
      { market: 'Brazil', category: 'marketing', price: marketing },
      { market: 'Brazil', category: 'authentication', price: '0.0068' },
      { market: 'India', category: 'authentication', price: '0.0014' },
      { market: 'India', category: 'authentication_international', price: '0.0280' },
      { market: 'Indonesia', category: 'authentication', price: '0.0250' },
      { market: 'Indonesia', category: 'authentication_international', price: '0.1360' },
    ],
  };
}

interface Draft {
  draft: { total: string; lines: { market: string; category: string; charge: string; quantity: number; unitPrice: string; amount: string }[] };
}

/** Dated settings from Meta's account updates, and the rate-card lifecycle, end to end on one store. */
export function truthSuite(name: string, subject: () => Promise<TruthSubject>): void {
  describe(`billing truth for 2026: ${name}`, () => {
    let context: TruthSubject;
    let running: Running;
    let billing: Client;
    let last = '0/0';

    const batch = async (commands: object[]) => {
      const reply = await billing.post<{ results: { position: string }[] }>('/commands/batch', { commands });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      last = reply.body.results.at(-1)!.position;
    };
    /** A template sent and delivered a second later. */
    const template = (id: string, customer: string, at: string, category: string) => [
      { type: 'MessageSent', wabaId: WABA, phoneNumberId: PHONE, customer, messageId: id, timestamp: at, kind: 'template', template: { name: `${category}_t`, category } },
      { type: 'MessageDelivered', wabaId: WABA, phoneNumberId: PHONE, customer, messageId: id, timestamp: new Date(Date.parse(at) + 1000).toISOString() },
    ];
    const lines = async (period: string) => {
      const reply = await billing.get<Draft>(`/accounts/${WABA}/drafts?period=${period}&minPosition=${last}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body.draft.lines.map((l) => `${l.market} ${l.category} ${l.charge} ${l.quantity} x ${l.unitPrice} = ${l.amount}`);
    };
    /** A payload through the inbox, once processed: its receipt and outcome. */
    const webhook = async (payload: object) => {
      const reply = await billing.webhook(payload);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const outcome = await billing.processed(reply.body.payload as string);
      if (outcome.position) last = outcome.position;
      return { receipt: reply.body, outcome };
    };

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      const admin = new Client(running.url, ADMIN_KEY);
      const key = await admin.post<{ key: string }>('/api-keys', { roles: ['billing'] });
      billing = admin.as(key.body.key);
      await batch([
        { type: 'RateCardPublished', ...card('v1', '2024-06-01', '0.0625') },
        { type: 'AccountRegistered', wabaId: WABA, portfolioId: 'pf-truth', timezone: 'UTC', currency: 'USD' },
        { type: 'AccountRegistered', wabaId: OTHER, portfolioId: 'pf-other', timezone: 'UTC', currency: 'USD' },
        { type: 'PhoneNumberAttached', wabaId: WABA, phoneNumberId: PHONE },
        ...template('wamid.in-jul', INDIA, '2024-07-20T08:00:00.000Z', 'authentication'),
        ...template('wamid.in-aug', INDIA, '2024-08-05T08:00:00.000Z', 'authentication'),
        ...template('wamid.id-aug', INDONESIA, '2024-08-20T08:00:00.000Z', 'authentication'),
        ...template('wamid.id-sep', INDONESIA, '2024-09-05T08:00:00.000Z', 'authentication'),
        ...template('wamid.br-sep', BRAZIL, '2024-09-06T08:00:00.000Z', 'authentication'),
      ]);
    });
    after(async () => {
      await running?.close();
      await context.teardown();
    });

    describe("Meta's account updates through the webhook", () => {
      it('prices authentication at the domestic rate before any eligibility is known', async () => {
        assert.deepEqual(await lines('2024-08'), ['India authentication regular 1 x 0.0014 = 0.00', 'Indonesia authentication regular 1 x 0.0250 = 0.03']);
      });

      it('changes the price of authentication after the start times and not before; never at the verified primary location', async () => {
        const location = await webhook(sample('account-update-primary-location.json'));
        const eligibility = await webhook(sample('account-update-auth-intl-eligibility.json'));
        assert.deepEqual([location.outcome.appended, eligibility.outcome.appended], [1, 1]);
        assert.deepEqual(await lines('2024-07'), ['India authentication regular 1 x 0.0014 = 0.00']);
        assert.deepEqual(await lines('2024-08'), ['India authentication_international regular 1 x 0.0280 = 0.03', 'Indonesia authentication regular 1 x 0.0250 = 0.03']);
        assert.deepEqual(await lines('2024-09'), ['Brazil authentication regular 1 x 0.0068 = 0.01', 'Indonesia authentication_international regular 1 x 0.1360 = 0.14']);
      });

      it('records a repeated account update once', async () => {
        const before = await countEvents(running.store);
        const again = await webhook(sample('account-update-auth-intl-eligibility.json'));
        assert.equal(again.receipt.duplicate, true);
        assert.equal(await countEvents(running.store), before);
      });

      it('shows the account with its dated settings history, each with who recorded it', async () => {
        const reply = await billing.get<{ registered: { timezone: string }; settings: { effectiveFrom: string; primaryLocation?: string; authInternational?: unknown; recorded: { source: string } }[] }>(`/accounts/${WABA}`);
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(
          reply.body.settings.map((s) => `${s.effectiveFrom} ${s.primaryLocation ?? JSON.stringify(s.authInternational)} ${s.recorded.source}`),
          ['2024-06-01 BR webhook', '2024-08-01 {"startTime":"2024-08-01T00:00:00.000Z","countries":{"ID":"2024-09-01T00:00:00.000Z"}} webhook'],
        );
      });
    });

    describe('settings through the API', () => {
      it('refuses a time zone or currency dated other than a month start, and a change of nothing, appending nothing', async () => {
        const before = await countEvents(running.store);
        const midMonth = await billing.post(`/accounts/${WABA}/settings`, { effectiveFrom: '2024-11-15', currency: 'BRL' });
        assert.equal(midMonth.status, 400);
        assert.deepEqual([midMonth.body.code, midMonth.body.field], ['SETTINGS_NOT_MONTH_START', 'effectiveFrom']);
        const empty = await billing.post(`/accounts/${WABA}/settings`, { effectiveFrom: '2024-11-01' });
        assert.deepEqual([empty.status, empty.body.code], [400, 'SETTINGS_EMPTY']);
        const unknown = await billing.post('/accounts/nobody/settings', { effectiveFrom: '2024-11-01', currency: 'BRL' });
        assert.deepEqual([unknown.status, unknown.body.code], [404, 'ACCOUNT_UNKNOWN']);
        assert.equal(await countEvents(running.store), before);
      });

      it('moves a WABA to another currency from a month on; the same change again is a duplicate', async () => {
        const moved = await billing.post<{ duplicate: boolean; position: string }>(`/accounts/${WABA}/settings`, { effectiveFrom: '2024-12-01', currency: 'BRL', reason: 'Meta moves Brazilian WABAs to BRL' });
        assert.equal(moved.status, 201, JSON.stringify(moved.body));
        last = moved.body.position;
        const again = await billing.post<{ duplicate: boolean }>(`/accounts/${WABA}/settings`, { effectiveFrom: '2024-12-01', currency: 'BRL', reason: 'Meta moves Brazilian WABAs to BRL' });
        assert.equal(again.body.duplicate, true);
        const accounts = await billing.get<{ total: number; accounts: { wabaId: string; latest: { currency: string; rateCardId: string }; settingsChanges: number }[] }>(`/accounts?limit=1&minPosition=${last}`);
        assert.equal(accounts.status, 200, JSON.stringify(accounts.body));
        assert.equal(accounts.body.total, 2);
        assert.deepEqual(accounts.body.accounts, [{ wabaId: WABA, portfolioId: 'pf-truth', latest: { timezone: 'UTC', currency: 'BRL', rateCardId: 'meta-BRL' }, primaryLocation: 'BR', settingsChanges: 3, numbers: 1 }]);
        const draft = await billing.get<{ draft: { currency: string } }>(`/accounts/${WABA}/drafts?period=2024-11&minPosition=${last}`);
        assert.equal(draft.body.draft.currency, 'USD');
        const december = await billing.get<{ draft: { currency: string } }>(`/accounts/${WABA}/drafts?period=2024-12&minPosition=${last}`);
        assert.equal(december.body.draft.currency, 'BRL');
      });
    });

    describe('units and the audit say what each message cost', () => {
      it('lists a unit a free tier absorbed as free_tier, as its invoice line does', async () => {
        await batch([
          { type: 'MessageReceived', wabaId: WABA, phoneNumberId: PHONE, customer: BRAZIL, messageId: 'wamid.br-in', timestamp: '2024-10-05T08:00:00.000Z', kind: 'text' },
          { type: 'MessageSent', wabaId: WABA, phoneNumberId: PHONE, customer: BRAZIL, messageId: 'wamid.br-reply', timestamp: '2024-10-05T08:01:00.000Z', kind: 'text' },
          { type: 'MessageDelivered', wabaId: WABA, phoneNumberId: PHONE, customer: BRAZIL, messageId: 'wamid.br-reply', timestamp: '2024-10-05T08:01:01.000Z' },
          { type: 'MessageSent', wabaId: WABA, phoneNumberId: PHONE, customer: BRAZIL, messageId: 'wamid.br-read', timestamp: '2024-10-08T08:00:00.000Z', kind: 'template', template: { name: 'promo', category: 'marketing' } },
          { type: 'MessageRead', wabaId: WABA, phoneNumberId: PHONE, customer: BRAZIL, messageId: 'wamid.br-read', timestamp: '2024-10-08T08:00:05.000Z' },
        ]);
        const units = await billing.get<{ units: { messageIds: string[]; category: string; charge: string }[] }>(`/accounts/${WABA}/units?period=2024-10&minPosition=${last}`);
        assert.equal(units.status, 200, JSON.stringify(units.body));
        assert.deepEqual(units.body.units.map((u) => `${u.messageIds.join(',')} ${u.category} ${u.charge}`), ['wamid.br-reply service free_tier', 'wamid.br-read marketing regular']);
        assert.deepEqual(await lines('2024-10'), ['Brazil marketing regular 1 x 0.0625 = 0.06', 'Brazil service free_tier 1 x 0 = 0.00']);
      });

      it('shows the charge of a message delivered only through its read status, on that status', async () => {
        const timeline = await billing.get<{ entries: { event: string; messageId: string; action: string; pricedAs?: { charge: string; unitPrice: string } }[] }>(
          `/audit/accounts/${WABA}/timeline?from=2024-10-08T00:00:00Z&to=2024-10-09T00:00:00Z`,
        );
        assert.equal(timeline.status, 200, JSON.stringify(timeline.body));
        assert.deepEqual(
          timeline.body.entries.map((e) => `${e.event} ${e.messageId} ${e.action} ${e.pricedAs ? `${e.pricedAs.charge} ${e.pricedAs.unitPrice}` : '-'}`),
          ['MessageSent wamid.br-read none -', 'MessageRead wamid.br-read opened regular 0.0625'],
        );
        const thread = await billing.get<{ decisions: { event: string; messageId: string }[] }>(`/audit/accounts/${WABA}/threads/${PHONE}/${BRAZIL}?minPosition=${last}`);
        assert.equal(thread.body.decisions.find((d) => d.messageId === 'wamid.br-read')?.event, 'MessageRead');
      });

      it('lists only the accounts a scoped key may see', async () => {
        const admin = new Client(running.url, ADMIN_KEY);
        const scoped = await admin.post<{ key: string }>('/api-keys', { roles: ['auditor'], wabas: [OTHER] });
        const seen = await admin.as(scoped.body.key).get<{ total: number; accounts: { wabaId: string }[] }>('/accounts');
        assert.deepEqual([seen.body.total, seen.body.accounts.map((a) => a.wabaId)], [1, [OTHER]]);
        assert.equal((await admin.as(scoped.body.key).get(`/accounts/${WABA}`)).status, 404);
      });
    });

    describe('the rate-card lifecycle', () => {
      it('refuses a version that would leave markets unpriced unless it names them, and publishes the same prices once', async () => {
        const fix = { rateCardId: 'meta-USD', version: 'v1-fix', currency: 'USD', effectiveFrom: '2024-06-01', rates: [{ market: 'Brazil', category: 'marketing', price: '0.0625' }] };
        const refused = await billing.post('/rate-cards', fix);
        assert.equal(refused.status, 409, JSON.stringify(refused.body));
        assert.deepEqual([refused.body.code, refused.body.field], ['RATE_CARD_DROPS', 'drops']);
        assert.match(String(refused.body.detail), /leaves out India, Indonesia, authentication of the version it follows/);
        const same = await billing.post<{ duplicate: boolean; eventId: string }>('/rate-cards', { ...card('v1-again', '2024-06-01', '0.0625') });
        assert.deepEqual([same.body.duplicate, same.body.eventId], [true, 'RateCardPublished:meta-USD:v1']);
      });

      it('lists every version with its status, and answers the one in force at an instant', async () => {
        const mistake = await billing.post<{ position: string }>('/rate-cards', card('v2', '2024-09-01', '0.0700'));
        assert.equal(mistake.status, 201, JSON.stringify(mistake.body));
        last = mistake.body.position;
        const listed = await billing.get<{ cards: { version: string; status: string; markets: string[] }[] }>(`/rate-cards?minPosition=${last}`);
        assert.deepEqual(listed.body.cards.map((c) => `${c.version} ${c.status} ${c.markets.length}`), ['v1 published 3', 'v2 published 3']);
        const inForce = await billing.get<{ card: { version: string } | null }>(`/rate-cards/meta-USD/in-force?at=2024-09-10T00:00:00Z&wabaId=${WABA}&minPosition=${last}`);
        assert.equal(inForce.body.card?.version, 'v2');
        const before = await billing.get<{ card: { version: string } | null }>('/rate-cards/meta-USD/in-force?at=2024-05-10T00:00:00Z');
        assert.equal(before.body.card, null);
      });

      it('issues September on the mistaken card, then a dry run of the right one lists that invoice', async () => {
        await batch(template('wamid.br-mkt', BRAZIL, '2024-09-10T08:00:00.000Z', 'marketing'));
        const issued = await billing.post<{ invoice: { total: string } }>('/invoices', { wabaId: WABA, period: '2024-09', minPosition: last });
        assert.equal(issued.status, 201, JSON.stringify(issued.body));
        assert.equal(issued.body.invoice.total, '0.22');
        const dry = await billing.post<{ invoices: { invoiceId: string; currentTotal: string; withCardTotal: string; difference: string }[] }>('/rate-cards/dry-run', card('v2-fixed', '2024-09-01', '0.0625'));
        assert.equal(dry.status, 200, JSON.stringify(dry.body));
        assert.deepEqual(dry.body.invoices.map((i) => `${i.invoiceId} ${i.currentTotal} -> ${i.withCardTotal} (${i.difference})`), [`${WABA}.2024-09 0.22 -> 0.21 (-0.01)`]);
      });

      it('withdraws the mistaken version: its months are rated again, and `invoices regenerate` revises with the cause', async () => {
        const withdrawn = await billing.post<{ position: string }>('/rate-cards/meta-USD/versions/v2/withdraw', { reason: 'published by mistake: Brazil marketing is 0.0625' });
        assert.equal(withdrawn.status, 201, JSON.stringify(withdrawn.body));
        last = withdrawn.body.position;
        assert.deepEqual((await lines('2024-09')).filter((l) => l.startsWith('Brazil marketing')), ['Brazil marketing regular 1 x 0.0625 = 0.06']);
        const listed = await billing.get<{ cards: { version: string; status: string }[] }>(`/rate-cards?minPosition=${last}`);
        assert.deepEqual(listed.body.cards.map((c) => `${c.version} ${c.status}`), ['v1 published', 'v2 withdrawn']);
        await running.close();
        const run = await runCli(['invoices', 'regenerate', '--period', '2024-09', '--report', join(mkdtempSync(join(tmpdir(), 'ledger-truth-report-')), 'regenerate'), '--json'], context.env);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout).outcomes, { revised: 1 });
        running = await startApp(context.config);
        billing = new Client(running.url, billing.key);
        const revised = await billing.get<{ revision: number; total: string; reason: string }>(`/invoices/${WABA}.2024-09`);
        assert.deepEqual([revised.body.revision, revised.body.total, revised.body.reason], [1, '0.21', 'regenerated: rate cards meta-USD v2 -> meta-USD v1']);
      });
    });
  });
}
