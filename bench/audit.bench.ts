import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { Auditor } from '../src/audit/auditor.js';
import { SYSTEM } from '../src/auth/scope.js';
import { openLedger } from '../src/cli/ledger-context.js';
import { jobContext } from '../src/cli/ledger-job.js';
import { loadConfig } from '../src/config/ledger.config.js';
import { EventStore } from '../src/event-store/event-store.port.js';
import { IssueInvoice } from '../src/invoices/issue-invoice/issue-invoice.command.js';
import { Projections } from '../src/read-models/projections.js';
import { seedStore } from './seed.js';
import { memory, seconds } from './measure.js';
import { accountsOf } from './traffic.js';

/**
 * bench:audit: a month of generated traffic is projected and every account's October invoice
 * issued; then `audit verify` recomputes every invoice from the log alone, month by month and
 * thread by thread. Prints the time, the events per second it replays, and the live heap after.
 */
const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const wabas = Number(process.env.BENCH_WABAS ?? 1_000);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-audit-'));
const clock = () => new Date();

const ledger = await openLedger(loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db') }), { clock, create: true });
try {
  let started = performance.now();
  const written = await seedStore(ledger.get(EventStore), { events, accounts: wabas, days: 31 });
  await ledger.get(Projections).catchUp();
  console.log(`seeded and projected ${written.toLocaleString('en-US')} events in ${wabas.toLocaleString('en-US')} WABAs in ${seconds(started).toFixed(1)} s`);

  started = performance.now();
  const bus = ledger.get(CommandBus);
  for (const { wabaId } of accountsOf(wabas, 7)) await bus.execute(new IssueInvoice({ wabaId, period: '2025-10' }, jobContext(clock, 'bench')));
  console.log(`issued ${wabas.toLocaleString('en-US')} invoices in ${seconds(started).toFixed(1)} s, ${memory()}`);

  started = performance.now();
  const verdicts = await ledger.get(Auditor).verifyAll(SYSTEM);
  const took = seconds(started);
  const matched = verdicts.filter((v) => v.match).length;
  console.log(
    `audit verify: ${verdicts.length.toLocaleString('en-US')} invoices (${matched.toLocaleString('en-US')} match) in ${took.toFixed(1)} s ` +
      `(${Math.round(written / took).toLocaleString('en-US')} log events/s), ${memory()}`,
  );
  if (matched !== verdicts.length) process.exitCode = 1;
} finally {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
}
