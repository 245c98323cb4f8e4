import { writeFileSync } from 'node:fs';
import { explanationText } from '../../projections/audit/explain.js';
import { SYSTEM } from '../auth/scope.js';
import { Auditor, timelineCsv } from '../audit/auditor.js';
import type { Verdict } from '../audit/auditor.js';
import type { Clock } from '../common/clock.js';
import { loadConfig } from '../config/ledger.config.js';
import { verifyChains } from '../event-store/event-chain.js';
import { openEventStore } from '../event-store/event-store.factory.js';
import { InvoiceLedger } from '../invoices/invoice-ledger.js';
import { requireLedger } from './ledger-context.js';
import { print, withLedger } from './ledger-job.js';

const AUDITOR = { ...SYSTEM, actor: 'ledger audit' };

export async function auditExplain(clock: Clock, options: { waba: string; period: string; line?: number; json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const explanation = await ledger.get(Auditor).explain(AUDITOR, options.waba, options.period, options.line);
    if (options.json) return print(explanation);
    const out: string[] = [`${explanation.invoiceId ? `invoice ${explanation.invoiceId}` : `draft ${options.waba} ${options.period}`} at ${explanation.position}: total ${explanation.total} (${explanation.hash})`];
    for (const line of explanation.lines) {
      const card = line.rateCard ? `card ${line.rateCard.id} ${line.rateCard.version} row ${line.rateCard.row}` : 'no card';
      out.push(`\nline ${line.line}: ${line.market} ${line.category} ${line.charge}${line.tier ? ` tier ${line.tier}` : ''}: ${line.quantity} x ${line.unitPrice} = ${line.amount} (${card})`);
      for (const { unit, decisions } of line.units) {
        out.push(`  unit ${unit.id} (${unit.kind}, ${unit.era}, opened ${unit.openedAt}, ${unit.phoneNumberId}/${unit.customer})`);
        for (const text of explanationText({ units: [unit], decisions }).split('\n')) if (text) out.push(`    ${text}`);
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

export async function auditReplay(clock: Clock, options: { waba: string; from: string; to: string; asOf?: string; csv?: string; json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const timeline = await ledger.get(Auditor).timeline(AUDITOR, options.waba, options.from, options.to, options.asOf);
    if (options.csv) writeFileSync(options.csv, timelineCsv(timeline));
    if (options.json) return print(timeline);
    const out = timeline.entries.map((e) => `${e.at}  ${e.phoneNumberId}/${e.customer}  ${e.event} ${e.messageId}: ${e.explanation} (rule ${e.rule})${e.unitId ? ` [${e.action} ${e.unitId}]` : ''}`);
    for (const d of timeline.drafts) out.push(`${options.waba} ${d.period}: total ${d.total} (${d.hash})`);
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

/** Exit 1 when any invoice does not match what its basis gives. */
export async function auditVerify(clock: Clock, options: { invoice?: string[]; json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const auditor = ledger.get(Auditor);
    const invoices = ledger.get(InvoiceLedger);
    const say = (v: Verdict) => {
      if (options.json) return;
      const where = [
        ...(v.difference ? [`first difference: ${v.difference.line ? `line ${v.difference.line}` : v.difference.field}: issued ${JSON.stringify(v.difference.issued)}, recomputed ${JSON.stringify(v.difference.recomputed)}`] : []),
        ...v.breaks.map((b) => `${b.stream} revision ${b.revision}: ${b.kind.toUpperCase()}: ${b.detail}`),
      ];
      process.stdout.write(`${v.invoiceId} revision ${v.revision}: ${v.match ? 'match' : `MISMATCH, ${where.join('; ')}`}\n`);
    };
    let verdicts: Verdict[];
    if (options.invoice?.length) {
      verdicts = [];
      for (const id of options.invoice) {
        const verdict = await auditor.verify((await invoices.require(id, AUDITOR)).invoice);
        say(verdict);
        verdicts.push(verdict);
      }
    } else {
      verdicts = await auditor.verifyAll(AUDITOR, say);
    }
    if (options.json) print(verdicts);
    if (verdicts.some((v) => !v.match)) process.exitCode = 1;
  });
}

/** Every stream's chain, streamed from the store the environment names; exit 1 on any break. */
export async function auditVerifyLog(options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  requireLedger(config);
  const store = await openEventStore(config);
  try {
    const report = await verifyChains(store, (found) => {
      if (!options.json) process.stdout.write(`${found.stream} revision ${found.revision}: ${found.kind.toUpperCase()}: ${found.detail}\n`);
    });
    if (options.json) print(report);
    else process.stdout.write(`${report.streams} streams, ${report.events} events: ${report.breaks.length ? `${report.breaks.length} broken` : 'every chain holds'}${report.unchained ? ` (${report.unchained} events recorded before chains existed are not linked)` : ''}\n`);
    if (report.breaks.length) process.exitCode = 1;
  } finally {
    await store.close();
  }
}
