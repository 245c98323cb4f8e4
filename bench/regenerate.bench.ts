import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { RateCardPublishedData } from '../projections/events.js';
import { accountStream } from '../projections/events.js';
import type { Category, Charge } from '../projections/policies/policy.js';
import type { BillableUnit } from '../projections/thread/thread.types.js';
import { openLedger } from '../src/cli/ledger-context.js';
import { jobContext } from '../src/cli/ledger-job.js';
import { ledgerEvent } from '../src/common/command-context.js';
import { loadConfig } from '../src/config/ledger.config.js';
import { EventStore } from '../src/event-store/event-store.port.js';
import type { AppendWrite } from '../src/event-store/event-store.port.js';
import { IssueInvoice } from '../src/invoices/issue-invoice/issue-invoice.command.js';
import { InvoiceRegenerator } from '../src/invoices/regenerate-invoices/regenerate-invoices.job.js';
import { Projections } from '../src/read-models/projections.js';
import { partitionOf } from '../src/read-models/processor/partitions.js';
import { UNIT_COLUMNS, unitRow } from '../src/read-models/threads/unit-rows.js';
import { READ_SQL } from '../src/read-models/read-model.factory.js';
import type { Param, Sql } from '../src/read-models/sql.js';
import { cards } from '../test/support/engine-kit.js';
import { memory, seconds } from './measure.js';
import { accountsOf } from './traffic.js';

/**
 * bench:regenerate: one month of delivered messages across thousands of WABAs is issued, a
 * corrected card changes one price, and the clock runs over what an operator waits for: the
 * runner re-rating every month the card reaches (stage 2 only) and `invoices regenerate`
 * comparing and revising. Stage 1's output (the units) is written straight into the read
 * models, as the runner would have left it: folding 10M messages is not what is measured.
 */
const messages = Number(process.env.BENCH_MESSAGES ?? 10_000_000);
const wabas = Number(process.env.BENCH_WABAS ?? 5_000);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-regen-'));
const clock = () => new Date();

const MARKETS = [
  { market: 'India', country: 'IN', prefix: '9198' },
  { market: 'Brazil', country: 'BR', prefix: '5511' },
  { market: 'Indonesia', country: 'ID', prefix: '6281' },
  { market: 'Mexico', country: 'MX', prefix: '5255' },
  { market: 'Colombia', country: 'CO', prefix: '5730' },
  { market: 'Turkey', country: 'TR', prefix: '9053' },
];
const MIX: { category: Category; charge: Charge; weight: number }[] = [
  { category: 'marketing', charge: 'regular', weight: 40 },
  { category: 'utility', charge: 'regular', weight: 15 },
  { category: 'utility', charge: 'free_customer_service', weight: 10 },
  { category: 'authentication', charge: 'regular', weight: 10 },
  { category: 'service', charge: 'free_customer_service', weight: 25 },
];
const WEIGHTS = MIX.flatMap((m) => Array.from({ length: m.weight }, () => m));

function corrected(): RateCardPublishedData {
  const card = cards.usd2025q4();
  return { ...card, version: '2025-10-01.2', rates: card.rates.map((r) => (r.market === 'India' && r.category === 'marketing' ? { ...r, price: '0.0118' } : r)) };
}

const ledger = await openLedger(loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db') }), { clock, create: true });
try {
  const store = ledger.get(EventStore);
  const projections = ledger.get(Projections);
  const sql = ledger.get<Sql>(READ_SQL);
  const context = jobContext(clock, 'bench');
  const accounts = accountsOf(wabas, 11).map((a) => ({ ...a, timezone: 'UTC' }));

  let started = performance.now();
  const card = cards.usd2025q4();
  const writes: AppendWrite[] = [{ stream: 'ratecard-meta-USD', events: [ledgerEvent('RateCardPublished', `${card.rateCardId}:${card.version}`, card, context)], expected: 'any' }];
  for (const { changes: _changes, ...account } of accounts) {
    writes.push({ stream: accountStream(account.wabaId), events: [ledgerEvent('AccountRegistered', account.wabaId, account, context)], expected: 'no_stream' });
  }
  await store.appendMany(writes);
  await projections.catchUp();

  const perWaba = Math.floor(messages / wabas);
  const { tables } = projections;
  let seed = 1;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const october = Date.parse('2025-10-02T00:00:00Z');
  for (let first = 0; first < accounts.length; first += 50) {
    await sql.transaction(async (tx) => {
      for (const account of accounts.slice(first, first + 50)) {
        const rows: Param[][] = [];
        for (let i = 0; i < perWaba; i++) {
          const where = MARKETS[Math.floor(rnd() * MARKETS.length)]!;
          const kind = WEIGHTS[Math.floor(rnd() * WEIGHTS.length)]!;
          const at = october + Math.floor(rnd() * 26 * 86_400_000);
          const customer = `${where.prefix}${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}`;
          const phoneNumberId = `${account.wabaId}-p${i % 3}`;
          const messageId = `wamid.${account.wabaId}.${i}`;
          const openedAt = new Date(at).toISOString();
          const unit: BillableUnit = {
            id: `message:${messageId}`,
            wabaId: account.wabaId,
            phoneNumberId,
            customer,
            kind: 'message',
            category: kind.category,
            market: where.market,
            country: where.country,
            openedAt,
            charge: kind.charge,
            era: 'D',
            pricedAt: openedAt,
            messageIds: [messageId],
          };
          rows.push(unitRow(`thread-${phoneNumberId}.${customer}`, '2025-10', at, unit));
        }
        await tx.insertMany(tables.units, UNIT_COLUMNS, rows);
        await tx.run(`INSERT INTO ${tables.dirty} (waba_id, period, partition) VALUES (?, '2025-10', ?) ON CONFLICT DO NOTHING`, [account.wabaId, partitionOf(account.portfolioId)]);
      }
    });
  }
  console.log(`seeded ${(perWaba * wabas).toLocaleString('en-US')} delivered messages in ${wabas.toLocaleString('en-US')} WABAs (stage 1 output) in ${seconds(started).toFixed(1)} s`);

  started = performance.now();
  // A processor learns of rows written behind its back when it opens its partitions.
  await projections.catchUp();
  console.log(`first rating of October (stage 2): ${seconds(started).toFixed(1)} s, ${memory()}`);

  started = performance.now();
  const bus = ledger.get(CommandBus);
  for (const account of accounts) await bus.execute(new IssueInvoice({ wabaId: account.wabaId, period: '2025-10' }, jobContext(clock, 'bench')));
  await projections.catchUp();
  console.log(`issued ${wabas.toLocaleString('en-US')} invoices in ${seconds(started).toFixed(1)} s`);

  const fix = corrected();
  await store.append('ratecard-meta-USD', [ledgerEvent('RateCardPublished', `${fix.rateCardId}:${fix.version}`, fix, context)], { expected: 'any' });

  started = performance.now();
  await projections.catchUp();
  const rerated = seconds(started);
  const results = await ledger.get(InvoiceRegenerator).run({ period: '2025-10' }, jobContext(clock, 'bench'));
  const total = seconds(started);
  const outcomes = new Map<string, number>();
  for (const r of results) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
  console.log(
    `regenerate after a price change: ${total.toFixed(1)} s for ${(perWaba * wabas).toLocaleString('en-US')} messages ` +
      `(${Math.round((perWaba * wabas) / total).toLocaleString('en-US')} messages/s; stage 2 re-rating ${rerated.toFixed(1)} s, compare and revise ${(total - rerated).toFixed(1)} s), ` +
      `${[...outcomes].map(([k, v]) => `${v} ${k}`).join(', ')}, ${memory()} (target: under 60 s)`,
  );
} finally {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
}
