import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { Presets, SingleBar } from 'cli-progress';
import { SYSTEM } from '../auth/scope.js';
import type { Clock } from '../common/clock.js';
import { documentFacts, invoiceCsv, invoicePdf } from '../invoices/invoice-export.js';
import { InvoiceLedger } from '../invoices/invoice-ledger.js';
import type { InvoiceAnswer } from '../invoices/invoice-ledger.js';
import { IssueInvoice } from '../invoices/issue-invoice/issue-invoice.command.js';
import { InvoiceRegenerator, regenerateCsv } from '../invoices/regenerate-invoices/regenerate-invoices.job.js';
import type { RegenerateResult } from '../invoices/regenerate-invoices/regenerate-invoices.job.js';
import { loadConfig } from '../config/ledger.config.js';
import { jobContext, print, withLedger } from './ledger-job.js';

export async function issueInvoices(clock: Clock, options: { waba: string[]; period: string; force?: boolean; json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const answers: InvoiceAnswer[] = [];
    for (const wabaId of options.waba) {
      answers.push(await ledger.get(CommandBus).execute(new IssueInvoice({ wabaId, period: options.period, force: options.force }, jobContext(clock, 'ledger invoices issue'))));
    }
    if (options.json) return print(answers);
    for (const a of answers) process.stdout.write(`${a.invoice.invoiceId}: ${a.duplicate ? 'already issued' : 'issued'}, total ${a.invoice.total} ${a.invoice.currency}, ${a.invoice.hash}\n`);
  });
}

export interface RegenerateCliOptions {
  readonly period: string;
  readonly waba?: string[];
  readonly dryRun?: boolean;
  readonly limit?: number;
  readonly report?: string;
  readonly json?: boolean;
}

/** Revises what a rate-card change moved, with a progress bar on a terminal and a report in CSV and JSON. Ctrl-C stops after the invoice at hand. */
export async function regenerateInvoices(clock: Clock, options: RegenerateCliOptions): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    const bar = process.stderr.isTTY
      ? new SingleBar({ format: 'regenerate {bar} {percentage}% | {value}/{total} invoices | {speed}/s | ETA {eta_formatted}', stream: process.stderr }, Presets.shades_classic)
      : undefined;
    const started = performance.now();
    let results: RegenerateResult[];
    try {
      results = await ledger.get(InvoiceRegenerator).run(
        {
          period: options.period,
          wabas: options.waba,
          dryRun: options.dryRun,
          limit: options.limit,
          signal: abort.signal,
          onResult: (_result, done, total) => {
            if (done === 1) bar?.start(total, 0, { speed: 0 });
            bar?.update(done, { speed: Math.round(done / ((performance.now() - started) / 1000)) });
          },
        },
        jobContext(clock, 'ledger invoices regenerate'),
      );
    } finally {
      bar?.stop();
      process.off('SIGINT', stop);
    }
    const prefix = resolve(options.report ?? join(reportsDir(), `regenerate-${options.period}-${clock().toISOString().replace(/[:.]/g, '-')}`));
    mkdirSync(dirname(prefix), { recursive: true });
    writeFileSync(`${prefix}.json`, `${JSON.stringify({ period: options.period, dryRun: options.dryRun ?? false, results }, null, 2)}\n`);
    writeFileSync(`${prefix}.csv`, regenerateCsv(results));
    const counts = new Map<string, number>();
    for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    const seconds = (performance.now() - started) / 1000;
    if (results.some((r) => r.outcome === 'deferred')) process.exitCode = 3;
    if (options.json) return print({ period: options.period, seconds, outcomes: Object.fromEntries(counts), report: [`${prefix}.csv`, `${prefix}.json`] });
    const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'no issued invoice';
    process.stdout.write(`${options.period}: ${results.length} invoices in ${seconds.toFixed(1)} s: ${summary}\nreport: ${prefix}.csv, ${prefix}.json\n`);
  });
}

/** Where a job's reports go unless named: LEDGER_REPORTS_DIR, else `reports/` beside the SQLite ledger (or in the current folder for a server store). */
function reportsDir(env = process.env): string {
  if (env.LEDGER_REPORTS_DIR) return resolve(env.LEDGER_REPORTS_DIR);
  const config = loadConfig(env);
  return config.store === 'sqlite' ? join(dirname(config.sqliteFile), 'reports') : resolve('reports');
}

export async function exportInvoice(clock: Clock, options: { invoice: string; format: 'csv' | 'pdf' | 'json'; out?: string }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const { invoice, events } = await ledger.get(InvoiceLedger).require(options.invoice, SYSTEM);
    const facts = documentFacts(invoice, events);
    const body = options.format === 'pdf' ? await invoicePdf(invoice, facts) : options.format === 'csv' ? invoiceCsv(invoice, facts) : `${JSON.stringify(invoice, null, 2)}\n`;
    const out = resolve(options.out ?? join(reportsDir(), facts.fileName(options.format)));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, body);
    process.stdout.write(`${facts.number} (${facts.status}) -> ${out}\n`);
  });
}
