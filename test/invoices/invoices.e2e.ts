import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import type { RateCardPublishedData } from '../../projections/events.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { openEventStore } from '../../src/event-store/event-store.factory.js';
import { ADMIN_KEY, Client, countEvents, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { cards, readRepo } from '../support/engine-kit.js';

export interface InvoiceSubject {
  readonly config: LedgerConfig;
  /** The same store for the `ledger` CLI. */
  readonly env: NodeJS.ProcessEnv;
  /** Rewrites one stored event's data behind the ledger's back. */
  tamper(eventId: string, data: object): Promise<void>;
  teardown(): Promise<void>;
}

const TZ = 'America/Sao_Paulo';
const INDIA = '919876543210';
const BRAZIL = '5511987654321';

interface Invoice {
  invoiceId: string;
  status: string;
  revision: number;
  total: string;
  hash: string;
  lines: { market: string; category: string; quantity: number; unitPrice: string; amount: string }[];
  adjustments?: { market: string; category: string; amount: string; previousUnitPrice: string; unitPrice: string; quantity: number }[];
  basis: { position: string; rateCards: { id: string; version: string }[] };
}

/** India marketing goes from 0.0107 to 0.0118 in a corrected October card; nothing else moves. */
function corrected(): RateCardPublishedData {
  const card = cards.usd2025q4();
  return { ...card, version: '2025-10-01.2', rates: card.rates.map((r) => (r.market === 'India' && r.category === 'marketing' ? { ...r, price: '0.0118' } : r)) };
}

/** Issue, late traffic, a corrected card, regeneration, verification and tampering, on one store. */
export function invoiceSuite(name: string, subject: () => Promise<InvoiceSubject>): void {
  describe(`invoices, regeneration and audit: ${name}`, () => {
    let context: InvoiceSubject;
    let running: Running;
    let billing: Client;
    let auditor: Client;
    let last = '0/0';
    const dir = mkdtempSync(join(tmpdir(), 'ledger-invoices-'));
    const cli = (...args: string[]) => runCli(args, context.env);

    const batch = async (commands: object[]) => {
      const reply = await billing.post<{ results: { position: string }[] }>('/commands/batch', { commands });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      last = reply.body.results[reply.body.results.length - 1]!.position;
    };
    const template = (wabaId: string, customer: string, id: string, at: string, category: string, delivered = true) => {
      const key = { wabaId, phoneNumberId: `ph-${wabaId}`, customer, messageId: id };
      const sent = { type: 'MessageSent', ...key, timestamp: at, kind: 'template', template: { name: `${category}_t`, category } };
      const delivery = { type: 'MessageDelivered', ...key, timestamp: new Date(Date.parse(at) + 1000).toISOString() };
      return delivered ? [sent, delivery] : [sent];
    };
    const issue = (wabaId: string, period: string, extra: object = {}) => billing.post<{ duplicate: boolean; invoice: Invoice; position: string }>('/invoices', { wabaId, period, minPosition: last, ...extra });
    const getInvoice = async (id: string) => (await billing.get<Invoice>(`/invoices/${id}`)).body;

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      const admin = new Client(running.url, ADMIN_KEY);
      const key = async (roles: string[]) => (await admin.post<{ key: string }>('/api-keys', { roles })).body.key;
      billing = admin.as(await key(['billing', 'ingest']));
      auditor = admin.as(await key(['auditor']));
      assert.equal((await billing.post('/rate-cards', cards.usd2025q4())).status, 201);
      const accounts = ['waba-a', 'waba-b', 'waba-c'].flatMap((wabaId) => [
        { type: 'AccountRegistered', wabaId, portfolioId: `pf-${wabaId}`, timezone: TZ, currency: 'USD' },
        { type: 'PhoneNumberAttached', wabaId, phoneNumberId: `ph-${wabaId}` },
      ]);
      await batch([
        ...accounts,
        ...template('waba-a', INDIA, 'a.m1', '2025-10-06T13:00:00Z', 'marketing'),
        ...template('waba-a', INDIA, 'a.m2', '2025-10-06T14:00:00Z', 'marketing'),
        ...template('waba-a', INDIA, 'a.m3', '2025-10-06T15:00:00Z', 'marketing'),
        ...template('waba-a', BRAZIL, 'a.u1', '2025-10-07T13:00:00Z', 'utility'),
        ...template('waba-b', BRAZIL, 'b.m1', '2025-10-08T13:00:00Z', 'marketing'),
        ...template('waba-b', BRAZIL, 'b.m2', '2025-10-09T13:00:00Z', 'marketing'),
        ...template('waba-b', BRAZIL, 'b.n1', '2025-11-03T13:00:00Z', 'marketing'),
        ...template('waba-b', BRAZIL, 'b.late', '2025-11-20T13:00:00Z', 'marketing', false),
        ...Array.from({ length: 10 }, (_, i) => template('waba-c', INDIA, `c.m${i}`, `2025-10-${String(10 + i)}T13:00:00Z`, 'marketing')).flat(),
      ]);
    });
    after(async () => {
      await running?.close().catch(() => undefined);
      await context.teardown();
    });

    describe('issuing over HTTP', () => {
      it('freezes the settled draft: lines, total, basis (position, cards, engine) and hash', async () => {
        const reply = await issue('waba-a', '2025-10');
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        const invoice = reply.body.invoice;
        assert.equal(invoice.invoiceId, 'waba-a.2025-10');
        assert.equal(invoice.status, 'issued');
        assert.deepEqual(invoice.lines.map((l) => `${l.market} ${l.category} ${l.quantity} x ${l.unitPrice} = ${l.amount}`), ['Brazil utility 1 x 0.0068 = 0.01', 'India marketing 3 x 0.0107 = 0.03']);
        assert.equal(invoice.total, '0.04');
        assert.deepEqual(invoice.basis.rateCards, [{ id: 'meta-USD', version: '2025-10-01' }]);
        assert.match(invoice.hash, /^sha256:[0-9a-f]{64}$/);
        for (const [waba, period] of [['waba-b', '2025-10'], ['waba-b', '2025-11'], ['waba-c', '2025-10']] as const) {
          const reply = await issue(waba, period);
          assert.equal(reply.status, 201);
          last = reply.body.position;
        }
      });

      it('treats issuing the same draft again as a no-op that appends nothing', async () => {
        const before = await countEvents(running.store);
        const again = await issue('waba-a', '2025-10');
        assert.equal(again.status, 200);
        assert.equal(again.body.duplicate, true);
        assert.equal(await countEvents(running.store), before);
      });

      it('refuses a month that has not ended in the account time zone, and an auditor key, appending nothing', async () => {
        const before = await countEvents(running.store);
        const open = await issue('waba-a', '2099-01');
        assert.equal(open.status, 409);
        assert.equal((open.body as unknown as { code: string }).code, 'PERIOD_NOT_ENDED');
        assert.equal((open.body as unknown as { field: string }).field, 'period');
        const forbidden = await auditor.post('/invoices', { wabaId: 'waba-a', period: '2025-10' });
        assert.equal(forbidden.status, 403);
        const unknown = await issue('waba-nobody', '2025-10');
        assert.equal(unknown.status, 404);
        assert.equal(await countEvents(running.store), before);
      });

      it('lists issued invoices and exports one as CSV whose lines add up to the total', async () => {
        const list = await auditor.get<{ invoices: { invoiceId: string; total: string }[] }>(`/invoices?period=2025-10&minPosition=${last}`);
        assert.deepEqual(list.body.invoices.map((i) => `${i.invoiceId} ${i.total}`), ['waba-a.2025-10 0.04', 'waba-b.2025-10 0.13', 'waba-c.2025-10 0.11']);
        const csv = await auditor.get<string>('/invoices/waba-a.2025-10?format=csv');
        const issuedHash = (await auditor.get<{ hash: string }>('/invoices/waba-a.2025-10')).body.hash;
        assert.equal(csv.status, 200);
        assert.equal(csv.headers?.['content-disposition'], 'attachment; filename="invoice-waba-a.2025-10-1-r0.csv"');
        assert.match(csv.type ?? '', /^text\/csv/);
        assert.equal(
          csv.body,
          [
            'invoice_number,invoice_id,status,revision,period,currency,record,line,market,category,charge,tier,quantity,previous_unit_price,unit_price,exact_amount,amount,rate_card,rate_card_version,rate_card_row,hash,supersedes',
            'waba-a.2025-10-1,waba-a.2025-10,issued,0,2025-10,USD,line,1,Brazil,utility,regular,,1,,0.0068,0.0068,0.01,meta-USD,2025-10-01,Brazil/utility,,',
            'waba-a.2025-10-1,waba-a.2025-10,issued,0,2025-10,USD,line,2,India,marketing,regular,,3,,0.0107,0.0321,0.03,meta-USD,2025-10-01,India/marketing,,',
            `waba-a.2025-10-1,waba-a.2025-10,issued,0,2025-10,USD,total,,,,,,,,,,0.04,,,,${issuedHash},`,
            '',
          ].join('\n'),
        );
      });

      it('renders the PDF: a page drawn to an image has ink, and its text shows the lines, total and hash', async (t) => {
        const response = await fetch(`${running.url}/invoices/waba-a.2025-10`, { headers: { authorization: `Bearer ${billing.key}`, accept: 'application/pdf' } });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'application/pdf');
        const file = join(dir, 'invoice.pdf');
        writeFileSync(file, Buffer.from(await response.arrayBuffer()));
        if (spawnSync('pdftoppm', ['-v']).error) {
          if (process.env.CI === 'true') assert.fail('pdftoppm (poppler-utils) is needed to render the PDF');
          t.skip('pdftoppm (poppler-utils) is not installed');
          return;
        }
        execFileSync('pdftoppm', ['-gray', '-r', '50', '-f', '1', '-l', '1', file, join(dir, 'page')]);
        const page = readFileSync(join(dir, 'page-1.pgm'));
        const [, width, height] = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(page.subarray(0, 32).toString('latin1'))!.map(Number) as [number, number, number];
        const pixels = page.subarray(page.length - width * height);
        const ink = pixels.filter((p) => p < 128).length;
        assert.ok(width > 300 && height > 400, `an A4 page at 50 dpi, got ${width}x${height}`);
        assert.ok(ink > 2_000, `the page has text on it (${ink} dark pixels)`);
        const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
        assert.match(text, /invoice waba-a\.2025-10/);
        assert.match(text, /Invoice number: waba-a\.2025-10-1\n/);
        assert.match(text, /Issued: \d{4}-\d{2}-\d{2}T/);
        assert.match(text, /Status: issued/);
        assert.match(text, /India\s+marketing\s+regular\s+3\s+0\.0107\s+0\.03/);
        assert.match(text, /Brazil\s+utility\s+regular\s+1\s+0\.0068\s+0\.01/);
        assert.match(text, /Total: 0\.04 USD/);
        assert.match(text, /Hash: sha256:[0-9a-f]{64}/);
      });

      it('explains a line down to its units, events and rules, by replaying the log', async () => {
        const reply = await auditor.get<{ invoiceId: string; lines: { line: number; market: string; units: { unit: { id: string }; events: { type: string; data: { template?: { category: string } } }[]; decisions: { event: string; action: string; rule: string }[] }[] }[] }>(
          '/audit/accounts/waba-a/explain?period=2025-10&line=2',
        );
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.equal(reply.body.invoiceId, 'waba-a.2025-10');
        const [line] = reply.body.lines;
        assert.equal(line!.market, 'India');
        assert.deepEqual(line!.units.map((u) => u.unit.id), ['message:a.m1', 'message:a.m2', 'message:a.m3']);
        const [unit] = line!.units;
        assert.deepEqual(unit!.events.map((e) => `${e.type} ${e.data.template?.category ?? ''}`), ['MessageSent marketing', 'MessageDelivered ']);
        assert.deepEqual(unit!.decisions.map((d) => `${d.event} ${d.action}`), ['MessageDelivered charged']);
        assert.ok(unit!.decisions[0]!.rule.length > 0);
      });

      it('takes minPosition on the reads that replay the log, as on every read, and refuses a malformed one naming it', async () => {
        await batch([{ type: 'MessageReceived', wabaId: 'waba-a', phoneNumberId: 'ph-waba-a', customer: INDIA, messageId: 'a.min', timestamp: '2025-12-02T10:00:00Z', kind: 'text' }]);
        for (const path of ['/audit/accounts/waba-a/explain?period=2025-10', '/audit/accounts/waba-a/timeline?from=2025-10-01T00:00:00Z&to=2025-11-01T00:00:00Z', '/invoices/waba-a.2025-10']) {
          assert.equal((await auditor.get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${last}`)).status, 200, path);
          const bad = await auditor.get(`${path}${path.includes('?') ? '&' : '?'}minPosition=later`);
          assert.deepEqual([bad.status, bad.body.code, bad.body.field], [400, 'VALIDATION_FAILED', 'minPosition'], path);
        }
      });

      it('verifies an issued invoice from its basis over HTTP', async () => {
        const verdict = await auditor.get<{ match: boolean }>('/audit/invoices/waba-a.2025-10/verify');
        assert.equal(verdict.status, 200, JSON.stringify(verdict.body));
        assert.equal(verdict.body.match, true);
      });
    });

    describe('as known at an instant', () => {
      it('replays the month as of the issue, before a late delivery arrived, and gets the issued invoice back', async () => {
        const issued = await getInvoice('waba-b.2025-11');
        assert.equal(issued.total, '0.06');
        const documents = await auditor.get<{ documents: { recordedAt: string }[] }>('/invoices/waba-b.2025-11/revisions');
        const issuedAt = documents.body.documents[0]!.recordedAt;
        await sleep(5);
        await batch([{ type: 'MessageDelivered', wabaId: 'waba-b', phoneNumberId: 'ph-waba-b', customer: BRAZIL, messageId: 'b.late', timestamp: '2025-11-20T13:00:01Z' }]);
        const window = 'from=2025-11-01T03:00:00Z&to=2025-12-01T03:00:00Z';
        const asOf = await auditor.get<{ drafts: { period: string; total: string; hash: string }[]; entries: { messageId: string }[] }>(`/audit/accounts/waba-b/timeline?${window}&asOf=${issuedAt}`);
        assert.equal(asOf.status, 200, JSON.stringify(asOf.body));
        assert.deepEqual(asOf.body.drafts, [{ period: '2025-11', total: '0.06', hash: issued.hash }]);
        assert.ok(!asOf.body.entries.some((e) => e.messageId === 'b.late' && 'MessageDelivered' === (e as { event?: string }).event));
        const now = await auditor.get<{ drafts: { total: string; hash: string }[] }>(`/audit/accounts/waba-b/timeline?${window}`);
        assert.equal(now.body.drafts[0]!.total, '0.13');
        assert.notEqual(now.body.drafts[0]!.hash, issued.hash);
        const csv = await auditor.get<string>(`/audit/accounts/waba-b/timeline?${window}&format=csv`);
        assert.match(csv.body.split('\n')[0]!, /^at,position,phone_number_id,customer,event,message_id,era,rule,action,unit_id/);
        assert.equal(csv.body.trim().split('\n').length, 1 + 4, 'two sends and two deliveries in November');
      });
    });

    describe('a corrected rate card, regenerated by the CLI', () => {
      before(async () => {
        await running.close();
      });

      it("imports the corrected card from Meta's CSV with `ledger rate-cards import`; again, it appends nothing; a damaged copy is refused by row", async () => {
        const csv = join(dir, 'corrected.csv');
        writeFileSync(csv, readRepo('projections/data/meta-usd-2025-10.csv').replace('India,$US,0.0107,', 'India,$US,0.0118,'));
        const first = await cli('rate-cards', 'import', csv, '--card-version', '2025-10-01.2', '--json');
        assert.equal(first.code, 0, first.stderr);
        assert.deepEqual(
          (({ rateCardId, version, effectiveFrom, rates, duplicate }) => ({ rateCardId, version, effectiveFrom, rates, duplicate }))(JSON.parse(first.stdout)),
          { rateCardId: 'meta-USD', version: '2025-10-01.2', effectiveFrom: '2025-10-01', rates: corrected().rates.length, duplicate: false },
        );
        const stored = (await streamEvents(context, 'ratecard-meta-USD')).at(-1);
        assert.deepEqual(stored, { type: 'RateCardPublished', data: corrected() });
        const before = await countAll(context);
        const again = await cli('rate-cards', 'import', csv, '--card-version', '2025-10-01.2');
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /meta-USD 2025-10-01\.2 .*: already published, nothing appended/);
        const damaged = join(dir, 'damaged.csv');
        writeFileSync(damaged, readRepo('projections/data/meta-usd-2025-10.csv').replace('India,$US,0.0107,', 'India,$US,0,0107,'));
        const refused = await cli('rate-cards', 'import', damaged, '--card-version', '2025-10-01.3');
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /^RATE_CARD_CSV_INVALID \(line 13\): line 13: has 8 columns, the header 7/);
        assert.equal(await countAll(context), before);
      });

      it('shows what-if totals beside the issued ones and writes nothing', async () => {
        const before = await countAll(context);
        const card = join(dir, 'corrected.json');
        writeFileSync(card, JSON.stringify(corrected()));
        const run = await cli('what-if', '--period', '2025-10', '--rate-card', card, '--json');
        assert.equal(run.code, 0, run.stderr);
        const rows = JSON.parse(run.stdout) as { wabaId: string; issuedTotal: string; whatIfTotal: string; difference: string }[];
        assert.deepEqual(rows.map((r) => `${r.wabaId} ${r.issuedTotal} ${r.whatIfTotal} ${r.difference}`), ['waba-a 0.04 0.05 0.01', 'waba-b 0.13 0.13 0.00', 'waba-c 0.11 0.12 0.01']);
        const era = await cli('what-if', '--period', '2025-10', '--policy', 'C', '--waba', 'waba-a', '--json');
        assert.equal(era.code, 0, era.stderr);
        const [conversations] = JSON.parse(era.stdout) as { whatIfTotal: string; lines: { category: string; quantity: number }[] }[];
        assert.deepEqual(conversations!.lines.map((l) => `${l.category} ${l.quantity}`), ['utility 1', 'marketing 1'], 'three marketing templates in a day are one conversation');
        assert.equal(await countAll(context), before);
      });

      it('a dry run reports the revisions it would issue and appends nothing', async () => {
        const run = await cli('invoices', 'regenerate', '--period', '2025-10', '--dry-run', '--report', join(dir, 'dry'), '--json');
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout).outcomes, { would_revise: 2, unaffected: 1 });
        assert.equal((await getDocuments(context, 'waba-a.2025-10')).length, 1);
      });

      it('stops at --limit and a rerun finishes the rest: one revision per affected invoice, none for the unaffected', async () => {
        const first = await cli('invoices', 'regenerate', '--period', '2025-10', '--limit', '1', '--report', join(dir, 'first'), '--json');
        assert.equal(first.code, 3, first.stderr);
        assert.deepEqual(JSON.parse(first.stdout).outcomes, { revised: 1, unaffected: 1, deferred: 1 });
        const second = await cli('invoices', 'regenerate', '--period', '2025-10', '--report', join(dir, 'second'), '--json');
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(JSON.parse(second.stdout).outcomes, { up_to_date: 1, unaffected: 1, revised: 1 });
        for (const id of ['waba-a.2025-10', 'waba-c.2025-10']) assert.deepEqual((await getDocuments(context, id)).map((d) => d.type), ['InvoiceIssued', 'InvoiceRevised'], id);
        assert.deepEqual((await getDocuments(context, 'waba-b.2025-10')).map((d) => d.type), ['InvoiceIssued']);
        assert.deepEqual((await getDocuments(context, 'waba-b.2025-11')).map((d) => d.type), ['InvoiceIssued'], 'another period is out of scope');
      });

      it('revises with adjustment lines that add up to the difference, and reports them in CSV and JSON', async () => {
        const [issued, revised] = (await getDocuments(context, 'waba-a.2025-10')).map((d) => d.data);
        assert.equal(revised!.total, '0.05');
        assert.equal(revised!.supersedes, issued!.hash);
        assert.deepEqual(revised!.adjustments, [
          { market: 'India', category: 'marketing', charge: 'regular', tier: null, quantity: 0, previousUnitPrice: '0.0107', unitPrice: '0.0118', amount: '0.01' },
        ]);
        const sum = revised!.adjustments.reduce((s, a) => s.plus(a.amount), new Decimal(0));
        assert.equal(sum.toFixed(2), new Decimal(revised!.total).minus(issued!.total).toFixed(2));
        assert.deepEqual(revised!.basis.rateCards, [{ id: 'meta-USD', version: '2025-10-01.2' }]);
        const report = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8')) as { results: { invoiceId: string; outcome: string; oldTotal: string; newTotal: string }[] };
        assert.deepEqual(report.results.map((r) => `${r.invoiceId} ${r.outcome} ${r.oldTotal} ${r.newTotal}`), [
          'waba-a.2025-10 revised 0.04 0.05',
          'waba-b.2025-10 unaffected 0.13 0.13',
          'waba-c.2025-10 deferred 0.11 0.12',
        ]);
        const csv = readFileSync(join(dir, 'first.csv'), 'utf8').trim().split('\n');
        assert.equal(csv[1], 'waba-a.2025-10,waba-a,2025-10,USD,revised,stage 2,0.04,0.05,0.01,India,marketing,regular,,0,0.0107,0.0118,0.01');
      });

      it('exports a revision as a document of its own: its number and file name, its adjustment lines and the hash it supersedes', async () => {
        const [issued, revised] = (await getDocuments(context, 'waba-a.2025-10')).map((d) => d.data);
        const out = join(dir, 'revision.csv');
        const run = await cli('invoices', 'export', '--invoice', 'waba-a.2025-10', '--format', 'csv', '--out', out);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, `waba-a.2025-10-1.1 (revision 1) -> ${out}\n`);
        const rows = readFileSync(out, 'utf8').trim().split('\n');
        assert.deepEqual(rows.slice(-2), [
          'waba-a.2025-10-1.1,waba-a.2025-10,revision 1,1,2025-10,USD,adjustment,1,India,marketing,regular,,0,0.0107,0.0118,,0.01,,,,,',
          `waba-a.2025-10-1.1,waba-a.2025-10,revision 1,1,2025-10,USD,total,,,,,,,,,,0.05,,,,${revised!.hash},${issued!.hash}`,
        ]);
        const pdf = await runCli(['invoices', 'export', '--invoice', 'waba-a.2025-10', '--format', 'pdf'], { ...context.env, LEDGER_REPORTS_DIR: dir });
        assert.equal(pdf.stdout, `waba-a.2025-10-1.1 (revision 1) -> ${join(dir, 'invoice-waba-a.2025-10-1-r1.pdf')}\n`);
        assert.ok(existsSync(join(dir, 'invoice-waba-a.2025-10-1-r1.pdf')));
      });

      it('changes nothing when run again', async () => {
        const before = await countAll(context);
        const run = await cli('invoices', 'regenerate', '--period', '2025-10', '--report', join(dir, 'third'), '--json');
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout).outcomes, { up_to_date: 2, unaffected: 1 });
        assert.equal(await countAll(context), before);
      });

      it('verifies every issued invoice after a full rebuild', async () => {
        const rebuilt = await cli('rebuild');
        assert.equal(rebuilt.code, 0, rebuilt.stderr);
        const run = await cli('audit', 'verify');
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.deepEqual(run.stdout.trim().split('\n'), [
          'waba-a.2025-10 revision 1: match',
          'waba-b.2025-10 revision 0: match',
          'waba-b.2025-11 revision 0: match',
          'waba-c.2025-10 revision 1: match',
        ]);
      });

      it('detects an event changed in the database behind its back, naming the invoice and the first differing line', async () => {
        await context.tamper('MessageSent:waba-a~a.m2', {
          wabaId: 'waba-a', phoneNumberId: 'ph-waba-a', customer: INDIA, messageId: 'a.m2', timestamp: '2025-10-06T14:00:00.000Z', kind: 'template', template: { name: 'marketing_t', category: 'utility' },
        });
        const run = await cli('audit', 'verify', '--invoice', 'waba-a.2025-10', '--invoice', 'waba-c.2025-10');
        assert.equal(run.code, 1, run.stdout + run.stderr);
        const [a, c] = run.stdout.trim().split('\n');
        assert.match(a!, /^waba-a\.2025-10 revision 1: MISMATCH, first difference: line 2: issued .*"quantity":3.*recomputed .*"quantity":2/);
        assert.match(a!, /; thread-waba-a~ph-waba-a\.919876543210 revision \d+: EDITED: the event MessageSent:waba-a~a\.m2 no longer gives its own link/);
        assert.equal(c, 'waba-c.2025-10 revision 1: match');
      });

      it('detects an edited invoice document, whether or not the edit moves money: a total under an untouched hash, then only a reason', async () => {
        const [, revised] = await getDocuments(context, 'waba-c.2025-10');
        const original = revised!.data;
        assert.match(String((original as { documentHash?: string }).documentHash), /^sha256:[0-9a-f]{64}$/);
        try {
          await context.tamper('InvoiceRevised:waba-c.2025-10:1', { ...original, total: '0.07' });
          const money = await cli('audit', 'verify', '--invoice', 'waba-c.2025-10');
          assert.equal(money.code, 1, money.stdout + money.stderr);
          const chain = '; invoice-waba-c.2025-10 revision 1: EDITED: the last event no longer gives its own link: edited or replaced\n';
          assert.equal(money.stdout, `waba-c.2025-10 revision 1: MISMATCH, first difference: total: issued "0.07", recomputed "0.12"${chain}`);
          await context.tamper('InvoiceRevised:waba-c.2025-10:1', { ...original, reason: 'nothing changed' });
          const words = await cli('audit', 'verify', '--invoice', 'waba-c.2025-10');
          assert.equal(words.code, 1, words.stdout + words.stderr);
          assert.match(words.stdout, /^waba-c\.2025-10 revision 1: MISMATCH, first difference: document: issued "sha256:[0-9a-f]{64}", recomputed "sha256:[0-9a-f]{64}"; invoice-waba-c\.2025-10 revision 1: EDITED: /);
        } finally {
          await context.tamper('InvoiceRevised:waba-c.2025-10:1', original);
        }
        assert.equal((await cli('audit', 'verify', '--invoice', 'waba-c.2025-10')).stdout, 'waba-c.2025-10 revision 1: match\n');
      });
    });
  });
}

interface Document {
  type: string;
  data: Invoice & { supersedes?: string };
}

/** Reads the store directly, as an auditor's tool would: the app may be closed. */
async function getDocuments(context: InvoiceSubject, invoiceId: string): Promise<Document[]> {
  return (await streamEvents(context, `invoice-${invoiceId}`)) as Document[];
}

async function streamEvents(context: InvoiceSubject, stream: string): Promise<{ type: string; data: unknown }[]> {
  const store = await openEventStore(context.config);
  try {
    const events: { type: string; data: unknown }[] = [];
    for await (const event of store.readStream(stream)) events.push({ type: event.type, data: event.data });
    return events;
  } finally {
    await store.close();
  }
}

async function countAll(context: InvoiceSubject): Promise<number> {
  const store = await openEventStore(context.config);
  try {
    return await countEvents(store);
  } finally {
    await store.close();
  }
}
