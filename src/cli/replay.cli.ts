import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { ratedCharge } from '../../projections/rating/free-tiers.js';
import type { BillableUnit } from '../../projections/thread/thread.types.js';
import { SYSTEM } from '../auth/scope.js';
import { RunBatch } from '../batch/run-batch/run-batch.command.js';
import type { Clock } from '../common/clock.js';
import type { CommandContext } from '../common/command-context.js';
import { MAX_NESTING } from '../common/body-depth.interceptor.js';
import { nesting } from '../common/edge-rules.js';
import { LedgerError } from '../common/ledger-error.js';
import { toProblem } from '../common/problem.filter.js';
import { loadConfig } from '../config/ledger.config.js';
import { Projections } from '../read-models/projections.js';
import { READ_SQL } from '../read-models/read-model.factory.js';
import type { Sql } from '../read-models/sql.js';
import { UNIT_SELECT, unitOf } from '../read-models/threads/unit-rows.js';
import { AccountDirectory } from '../accounts/account-directory.js';
import { EventStore } from '../event-store/event-store.port.js';
import { processPayload } from '../inbox/process-payload.js';
import { openLedger } from './ledger-context.js';

export interface ReplayOptions {
  readonly inputs: readonly string[];
  readonly asOf?: string;
  readonly skipInvalid?: boolean;
  readonly clock: Clock;
}

export interface ReplayInvoice {
  readonly wabaId: string;
  readonly period: string;
  readonly currency: string;
  readonly lines: readonly Omit<InvoiceDraft['lines'][number], 'unitIds'>[];
  readonly total: string;
  readonly unpriced: InvoiceDraft['unpriced'];
  readonly hash: string;
}

export interface ReplayResult {
  /** Every unit with the charge it was rated at (`free_tier` where a free allowance absorbed it). */
  readonly units: readonly BillableUnit[];
  readonly invoices: readonly ReplayInvoice[];
  readonly skipped: readonly { readonly input: string; readonly line: number; readonly reason: string }[];
  readonly lines: { readonly read: number; readonly applied: number; readonly afterAsOf: number };
}

export class ReplayLineError extends Error {
  constructor(
    readonly input: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${input}:${line}: ${reason}`);
  }
}

/**
 * The whole pipeline on a throwaway embedded store: every line goes through the same commands
 * as the API (canonical commands) or the webhook (Meta payloads), then the runner catches up.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const asOf = options.asOf === undefined ? undefined : Date.parse(options.asOf);
  if (asOf !== undefined && Number.isNaN(asOf)) throw new LedgerError('VALIDATION_FAILED', `--as-of must be an ISO-8601 instant, got ${options.asOf}`, 400, 'as-of');
  const dir = mkdtempSync(join(tmpdir(), 'ledger-replay-'));
  const config = { ...loadConfig({ LEDGER_STORE: 'sqlite', LEDGER_SQLITE_FILE: join(dir, 'replay.db') }), projections: 'off' as const };
  const ledger = await openLedger(config, { clock: options.clock, create: true });
  try {
    const bus = ledger.get(CommandBus);
    const directory = ledger.get(AccountDirectory);
    const store = ledger.get<EventStore>(EventStore);
    const skipped: { input: string; line: number; reason: string }[] = [];
    let read = 0;
    let applied = 0;
    let afterAsOf = 0;
    for (const input of options.inputs) {
      const lines = readFileSync(input, 'utf8').split('\n');
      for (const [index, text] of lines.entries()) {
        if (!text.trim()) continue;
        read += 1;
        const number = index + 1;
        try {
          const parsed = parseLine(text);
          const recordedAt = typeof parsed.recordedAt === 'string' ? parsed.recordedAt : undefined;
          if (recordedAt !== undefined && Number.isNaN(Date.parse(recordedAt))) throw new Error(`recordedAt is not an ISO-8601 instant: ${recordedAt}`);
          if (asOf !== undefined && recordedAt !== undefined && Date.parse(recordedAt) > asOf) {
            afterAsOf += 1;
            continue;
          }
          const context: CommandContext = {
            scope: { ...SYSTEM, actor: 'replay' },
            source: 'import',
            correlationId: `${input}:${number}`,
            recordedAt: recordedAt ? new Date(Date.parse(recordedAt)).toISOString() : options.clock().toISOString(),
          };
          if (parsed.object === 'whatsapp_business_account') {
            // Recorded at once, as the inbox processor would: what it would park stops the replay (or is skipped).
            const outcome = await processPayload(parsed, context, directory, store);
            if (outcome.parked.length) throw new Error(outcome.parked.map((p) => `${p.code} ${p.path}: ${p.reason}`).join('; '));
          } else {
            await bus.execute(new RunBatch([parsed], context, false));
          }
          applied += 1;
        } catch (error) {
          const reason = describe(error);
          if (!options.skipInvalid) throw new ReplayLineError(input, number, reason);
          skipped.push({ input, line: number, reason });
        }
      }
    }
    const projections = ledger.get(Projections);
    await projections.catchUp();
    const { tables } = projections;
    const sql = ledger.get<Sql>(READ_SQL);
    const drafts = (await sql.all<{ data: string; hash: string }>(`SELECT data, hash FROM ${tables.drafts} ORDER BY waba_id, period`)).map(({ data, hash }) => ({ draft: JSON.parse(data) as InvoiceDraft, hash }));
    const freeTiers = new Map(drafts.map(({ draft }) => [`${draft.wabaId}|${draft.period}`, draft.freeTiers]));
    // A unit row's second column is its month: the draft of that month says what a free tier absorbed.
    const units = (await sql.rows(`SELECT ${UNIT_SELECT} FROM ${tables.units} ORDER BY waba_id, opened_at, unit_id, stream`)).map((row) => {
      const unit = unitOf(row);
      return { ...unit, charge: ratedCharge(unit, freeTiers.get(`${unit.wabaId}|${String(row[1])}`) ?? []) };
    });
    const invoices = drafts.map(({ draft, hash }) => {
      return {
        wabaId: draft.wabaId,
        period: draft.period,
        currency: draft.currency,
        lines: draft.lines,
        total: draft.total,
        unpriced: draft.unpriced,
        hash,
      };
    });
    return { units, invoices, skipped, lines: { read, applied, afterAsOf } };
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseLine(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('a line must be a JSON object: a command or a Meta webhook payload');
  if (nesting(parsed, MAX_NESTING) > MAX_NESTING) throw new LedgerError('BODY_TOO_DEEP', `the line nests deeper than ${MAX_NESTING} levels`, 400, 'line');
  return parsed as Record<string, unknown>;
}

function describe(error: unknown): string {
  const problem = toProblem(error);
  if (problem.status === 500) return (error as Error).message ?? String(error);
  return `${problem.code}${problem.field ? ` (${problem.field})` : ''}: ${problem.detail}`;
}

/** The readable form: one block per invoice, then the units by category. */
export function replaySummary(result: ReplayResult): string {
  const out: string[] = [];
  out.push(`${result.lines.applied} of ${result.lines.read} lines applied${result.lines.afterAsOf ? `, ${result.lines.afterAsOf} recorded after --as-of left out` : ''}${result.skipped.length ? `, ${result.skipped.length} skipped` : ''}`);
  for (const s of result.skipped) out.push(`  skipped ${s.input}:${s.line}: ${s.reason}`);
  for (const invoice of result.invoices) {
    out.push('', `${invoice.wabaId} ${invoice.period} (${invoice.currency})`);
    for (const line of invoice.lines) {
      out.push(
        `  ${line.market.padEnd(24)} ${line.category.padEnd(16)} ${line.charge.padEnd(22)} ${(line.tier ?? '').padEnd(10)} ${String(line.quantity).padStart(7)} x ${line.unitPrice.padStart(9)} = ${line.amount.padStart(10)}`,
      );
    }
    for (const u of invoice.unpriced) out.push(`  UNPRICED ${u.market} ${u.category}: ${u.quantity} units (${u.reason})`);
    out.push(`  ${'total'.padEnd(91)} ${invoice.total.padStart(10)}`);
  }
  const byCategory = new Map<string, number>();
  for (const unit of result.units) byCategory.set(`${unit.kind} ${unit.category} ${unit.charge}`, (byCategory.get(`${unit.kind} ${unit.category} ${unit.charge}`) ?? 0) + 1);
  out.push('', `${result.units.length} billable units`);
  for (const [key, n] of [...byCategory].sort()) out.push(`  ${key}: ${n}`);
  return out.join('\n');
}
