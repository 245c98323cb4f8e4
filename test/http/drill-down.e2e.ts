import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedStore } from '../../bench/seed.js';
import { accountsOf } from '../../bench/traffic.js';
import { AccountTerms } from '../../projections/accounts/account-terms.js';
import type { InvoiceLineData, Positioned } from '../../projections/events.js';
import type { FreeTierUse } from '../../projections/rating/free-tiers.js';
import { ratedCharge } from '../../projections/rating/free-tiers.js';
import { reconcile } from '../../projections/reconciliation/reconcile.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import { THREAD_TYPES, toPositioned } from '../../src/read-models/threads/thread-history.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { ADMIN_KEY, Client, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { cards, engine } from '../support/engine-kit.js';

export interface DrillDownSubject {
  readonly config: LedgerConfig;
  teardown(): Promise<void>;
}

const PERIOD = '2025-10';

type Line = InvoiceLineData;
interface Unit {
  readonly id: string;
  readonly charge: string;
  readonly phoneNumberId: string;
  readonly customer: string;
  readonly openedAt: string;
}
interface UnitsPage {
  readonly total: number;
  readonly units: readonly Unit[];
  readonly next: string | null;
}

/** The October 2025 card again from the 15th, with narrow volume bands in three markets: a month with bands and two card versions. */
function tieredFromMidMonth() {
  const card = cards.usd2025q4();
  const rate = (market: string, category: string) => card.rates.find((r) => r.market === market && r.category === category)!.price;
  return {
    ...card,
    version: '2025-10-15',
    effectiveFrom: '2025-10-15',
    tiers: ['India', 'Brazil', 'Indonesia'].flatMap((market) =>
      ['utility', 'authentication'].flatMap((category) => [
        { market, category, from: 1, to: 20, price: rate(market, category) },
        { market, category, from: 21, to: 40, price: '0.0021' },
        { market, category, from: 41, price: '0.0011' },
      ]),
    ),
  };
}

/**
 * The console's drill-down reads the read models: a line's units are paged from the units table
 * and placed on their line by the stored draft, a thread is explained from the stored drafts.
 * Both must say exactly what the auditor's replay of the log says.
 */
export function drillDownSuite(name: string, subject: () => Promise<DrillDownSubject>): void {
  describe(`the console's reads from the read models (a line's units, a unit's pricing, reconciliation, months, search): ${name}`, () => {
    let context: DrillDownSubject;
    let running: Running;
    let admin: Client;
    let wabas: string[];

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      // Generated traffic in three WABAs of one portfolio, whose volume bands they share.
      await seedStore(running.store, { events: 4_000, accounts: 3, days: 31 });
      const published = await admin.post<{ position: string }>('/rate-cards', tieredFromMidMonth());
      assert.equal(published.status, 201, JSON.stringify(published.body));
      wabas = ['waba-0', 'waba-1', 'waba-2'];
      for (const waba of wabas) {
        for (let tries = 0; ; tries++) {
          const draft = await admin.get<{ pending: boolean }>(`/accounts/${waba}/drafts?period=${PERIOD}&minPosition=${published.body.position}`);
          if (draft.status === 200 && !draft.body.pending) break;
          if (tries > 600) throw new Error(`${waba}'s draft was not rated: ${JSON.stringify(draft.body)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });

    after(async () => {
      await running?.close();
      await context?.teardown();
    });

    const lines = async (waba: string) => (await admin.get<{ draft: { lines: Line[] } }>(`/accounts/${waba}/drafts?period=${PERIOD}`)).body.draft.lines;

    const pages = async (path: string, limit: number) => {
      const units: Unit[] = [];
      let after: string | null = null;
      let total = 0;
      do {
        const reply: { status: number; body: UnitsPage } = await admin.get<UnitsPage>(`${path}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.ok(reply.body.units.length <= limit);
        units.push(...reply.body.units);
        total = reply.body.total;
        after = reply.body.next;
      } while (after);
      return { units, total };
    };

    it('lists each line\'s units, page after page, exactly as the auditor\'s replay of the log lists them', async () => {
      let checked = 0;
      for (const waba of wabas) {
        const drafted = await lines(waba);
        const replayed = await admin.get<{ lines: { units: { unit: { id: string } }[] }[] }>(`/audit/accounts/${waba}/explain?period=${PERIOD}`);
        assert.equal(replayed.body.lines.length, drafted.length);
        for (const [i, line] of drafted.entries()) {
          const { units, total } = await pages(`/accounts/${waba}/units?period=${PERIOD}&line=${i + 1}`, 7);
          assert.deepEqual(
            units.map((u) => u.id),
            replayed.body.lines[i]!.units.map((u) => u.unit.id),
            `${waba} line ${i + 1}: ${line.market} ${line.category} ${line.charge} ${line.tier ?? ''} ${line.rateCard?.version ?? ''}`,
          );
          assert.equal(units.length, line.quantity);
          assert.equal(total, line.quantity);
          assert.deepEqual([...new Set(units.map((u) => u.charge))], [line.charge]);
          checked += 1;
        }
      }
      const all = (await Promise.all(wabas.map(lines))).flat();
      assert.ok(checked >= 30, `${checked} lines`);
      assert.ok(all.filter((l) => l.tier !== null && l.rateCard?.version === '2025-10-15').length >= 6, 'lines in several volume bands of the card from the 15th');
      assert.ok(new Set(all.map((l) => l.charge)).size >= 3, 'regular and free lines');
    });

    it('pages the whole month by cursor as by offset, in charge order', async () => {
      const byCursor = await pages(`/accounts/waba-0/units?period=${PERIOD}`, 50);
      const byOffset = await admin.get<UnitsPage>(`/accounts/waba-0/units?period=${PERIOD}&limit=10000&offset=1`);
      const first = await admin.get<UnitsPage>(`/accounts/waba-0/units?period=${PERIOD}&limit=1`);
      assert.deepEqual(
        byCursor.units.map((u) => u.id),
        [...first.body.units, ...byOffset.body.units].map((u) => u.id),
      );
      assert.equal(byCursor.units.length, byCursor.total);
      const instants = byCursor.units.map((u) => Date.parse(u.openedAt));
      assert.deepEqual(instants, [...instants].sort((a, b) => a - b));
    });

    it("explains a thread's units with the price of the line the auditor puts each on", async () => {
      const drafted = await lines('waba-1');
      let compared = 0;
      for (const [i, line] of drafted.entries()) {
        if (line.charge !== 'regular') continue;
        const { units } = await pages(`/accounts/waba-1/units?period=${PERIOD}&line=${i + 1}`, 1);
        const unit = units[units.length - 1]!;
        const thread = await admin.get<{ decisions: { unitId?: string; action: string; pricedAs?: { charge: string; unitPrice: string; tier: string | null; rateCard: { version: string } | null } }[] }>(
          `/audit/accounts/waba-1/threads/${unit.phoneNumberId}/${unit.customer}`,
        );
        assert.equal(thread.status, 200, JSON.stringify(thread.body));
        const priced = thread.body.decisions.find((d) => d.unitId === unit.id && d.pricedAs)?.pricedAs;
        assert.deepEqual(priced && { ...priced, rateCard: priced.rateCard?.version }, { charge: line.charge, unitPrice: line.unitPrice, tier: line.tier, rateCard: line.rateCard?.version }, `line ${i + 1}`);
        compared += 1;
      }
      assert.ok(compared >= 5, `${compared} lines`);
    });

    it("reconciles from the findings kept as threads fold exactly as from the log's threads, a page and a kind at a time", async () => {
      const account = accountsOf(3, 7).find((a) => a.wabaId === 'waba-2')!;
      const calendar = AccountTerms.of(account).calendar;
      const threads = new Map<string, Positioned[]>();
      for await (const event of running.store.readAll()) {
        if (!THREAD_TYPES.has(event.type) || (event.data as { wabaId: string }).wabaId !== 'waba-2') continue;
        (threads.get(event.stream) ?? threads.set(event.stream, []).get(event.stream)!).push(toPositioned(event));
      }
      const { draft } = (await admin.get<{ draft: { freeTiers: FreeTierUse[] } }>(`/accounts/waba-2/drafts?period=${PERIOD}`)).body;
      const expected: string[] = [];
      let messages = 0;
      for (const history of threads.values()) {
        const inMonth = history.filter((e) => calendar.month(Date.parse(e.data.timestamp)) === PERIOD);
        messages += new Set(inMonth.filter((e) => e.type === 'MessageDelivered' || e.type === 'MessageRead').map((e) => e.data.messageId)).size;
        const units = foldThread(history, account, engine).units;
        for (const f of reconcile(inMonth, units, (unit) => ratedCharge(unit, draft.freeTiers))) expected.push(`${f.messageId} ${f.kind} ${f.ledger} ${f.meta}`);
      }
      type Page = { messages: number; total: number; byKind: Record<string, number>; findings: { messageId: string; kind: string; ledger: string; meta: string }[]; next: string | null };
      const all = async (kind?: string) => {
        const found: string[] = [];
        let after: string | null = null;
        let first: Page | undefined;
        do {
          const reply: { status: number; body: Page } = await admin.get<Page>(`/accounts/waba-2/reconciliation?period=${PERIOD}&limit=40${kind ? `&kind=${kind}` : ''}${after ? `&after=${after}` : ''}`);
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          first ??= reply.body;
          found.push(...reply.body.findings.map((f) => `${f.messageId} ${f.kind} ${f.ledger} ${f.meta}`));
          after = reply.body.next;
        } while (after);
        return { found, first };
      };
      const { found, first } = await all();
      assert.ok(expected.length > 100, `${expected.length} findings`);
      // By kind, then message id: in code-unit order, as the ledger compares ids.
      const byKind = (f: string) => { const [messageId, kind, ...rest] = f.split(' '); return [kind, messageId, ...rest].join(' '); };
      assert.deepEqual(found.map(byKind), expected.map(byKind).sort());
      assert.equal(first.total, expected.length);
      assert.equal(first.messages, messages);
      for (const [kind, count] of Object.entries(first.byKind)) {
        const one = await all(kind);
        assert.equal(one.found.length, count, kind);
        assert.ok(one.found.every((f) => f.split(' ')[1] === kind));
      }
    });

    it("lists an account's months with each draft's total and the invoice issued for it", async () => {
      type Months = { months: { period: string; draft: { total: string; hash: string } | null; pending: boolean; blocked: number; invoice: { status: string; revision: number; total: string; hash: string } | null }[] };
      const before = (await admin.get<Months>('/accounts/waba-0/months')).body.months;
      assert.ok(before.some((m) => m.period === PERIOD));
      assert.deepEqual(before.map((m) => m.period), [...before.map((m) => m.period)].sort().reverse(), 'newest first');
      for (const month of before) {
        const draft = await admin.get<{ draft: { total: string }; hash: string }>(`/accounts/waba-0/drafts?period=${month.period}`);
        assert.deepEqual({ total: month.draft?.total, hash: month.draft?.hash, pending: month.pending, blocked: month.blocked, invoice: month.invoice }, { total: draft.body.draft.total, hash: draft.body.hash, pending: false, blocked: 0, invoice: null });
      }
      const issued = await admin.post<{ position: string; invoice: { total: string; hash: string } }>('/invoices', { wabaId: 'waba-0', period: PERIOD });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const after = (await admin.get<Months>(`/accounts/waba-0/months?minPosition=${issued.body.position}`)).body.months.find((m) => m.period === PERIOD)!;
      assert.deepEqual(after.invoice, { invoiceId: `waba-0.${PERIOD}`, status: 'issued', revision: 0, total: issued.body.invoice.total, currency: 'USD', hash: after.draft!.hash });
    });

    it('searches accounts by WABA or portfolio id, in any case, on the server', async () => {
      const ids = async (q: string) => (await admin.get<{ total: number; accounts: { wabaId: string }[] }>(`/accounts?q=${encodeURIComponent(q)}`)).body.accounts.map((a) => a.wabaId);
      assert.deepEqual(await ids('PORTFOLIO-0'), ['waba-0', 'waba-1', 'waba-2']);
      assert.deepEqual(await ids('waba-1'), ['waba-1']);
      assert.deepEqual(await ids('nobody'), []);
      const bad = await admin.get(`/accounts?q=${encodeURIComponent('a\u0001')}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'q');
    });

    it('refuses a line the draft does not have, naming the field', async () => {
      const reply = await admin.get(`/accounts/waba-0/units?period=${PERIOD}&line=9999`);
      assert.equal(reply.status, 404);
      assert.equal(reply.body.code, 'LINE_UNKNOWN');
      assert.equal(reply.body.field, 'line');
      const bad = await admin.get(`/accounts/waba-0/units?period=${PERIOD}&after=yesterday`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'VALIDATION_FAILED');
    });
  });
}
