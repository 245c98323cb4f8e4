import { streamWaba } from '../../../projections/events.js';
import type { EventStore, StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import { formatPosition } from '../../event-store/position.js';
import { DraftsProjection } from '../drafts/drafts.projection.js';
import { InvoiceIndex } from '../drafts/invoice-index.js';
import { FailureLog, faultOf } from '../failures/failure-log.js';
import type { Leases } from '../processor/leases.js';
import { allPartitions } from '../processor/partitions.js';
import { Writes } from '../processor/writes.js';
import type { ReadModelTables } from '../read-model.schema.js';
import { EngineState } from '../settings/engine-state.js';
import { SettingsProjection } from '../settings/settings.projection.js';
import type { Param, Sql } from '../sql.js';
import { INVOICE_TYPES, toPositioned } from '../threads/thread-history.js';
import { COMPARED_COLUMNS, FINDING_COLUMNS, foldRows, THREAD_COLUMNS, THREAD_UPSERT, touchedMonths, UNIT_UPSERT } from '../threads/thread-rows.js';
import { ratingUnit, UNIT_COLUMNS } from '../threads/unit-rows.js';
import type { Charged } from '../drafts/month-raters.js';
import { byCharge } from '../drafts/month-raters.js';
import { text } from '../../../projections/shared/compare.js';
import type { RebuildPlan, StreamRange } from './rebuild-plan.js';
import { otherEvents } from './rebuild-plan.js';

/** Unit rows held before they are written in one transaction. */
const FLUSH_UNITS = 20_000;

export interface RebuildContext {
  readonly store: EventStore;
  readonly sql: Sql;
  readonly tables: ReadModelTables;
  readonly leases: Leases;
  readonly clock: () => Date;
  readonly heldMonths: number;
  readonly leaseMs: number;
}

/**
 * One worker of a rebuild, on its partitions of empty tables: the settings in log order, then
 * its threads portfolio by portfolio, each thread folded once from its whole history as the log
 * has it up to the plan's end, each portfolio rated from the units in hand, then its invoices
 * indexed. Rows go in large transactions, each fenced by the worker's leases. The projections are
 * the runner's; only the order in which the log is read differs, and the read models come out
 * the same. A portfolio's units and drafts are written in one transaction, so a rebuild stopped
 * half-way leaves read models the runner finishes from its checkpoints (still at the start).
 */
export async function rebuildWorker(context: RebuildContext, partitions: readonly number[], ranges: readonly StreamRange[], end: Position, onProgress?: (events: number) => void): Promise<{ events: number }> {
  const { store, sql, tables, leases } = context;
  const mine = new Set(partitions);
  let held = await leases.steal(partitions);
  let renewAt = performance.now() + context.leaseMs / 3;
  let writes = new Writes();
  let units: Param[][] = [];
  let threads: Param[][] = [];
  let findings: Param[][] = [];
  let compared: Param[][] = [];
  let writing: Promise<void> = Promise.resolve();
  /**
   * Starts writing the rows in hand and goes on folding while they are written (a store on
   * another machine works meanwhile); the write before must have committed first.
   */
  const flush = async () => {
    writes.insertMany(tables.units, UNIT_COLUMNS, units, UNIT_UPSERT);
    writes.insertMany(tables.threads, THREAD_COLUMNS, threads, THREAD_UPSERT);
    writes.insertMany(tables.findings, FINDING_COLUMNS, findings, 'ON CONFLICT DO NOTHING');
    writes.insertMany(tables.compared, COMPARED_COLUMNS, compared, 'ON CONFLICT DO NOTHING');
    const batch = writes;
    writes = new Writes();
    units = [];
    threads = [];
    findings = [];
    compared = [];
    await writing;
    writing = (async () => {
      await sql.transaction(async (tx) => {
        await leases.fence(tx, held);
        await batch.apply(tx);
      });
      if (performance.now() >= renewAt) {
        held = (await leases.keep(held, partitions)).held;
        renewAt = performance.now() + context.leaseMs / 3;
      }
    })();
    // Its failure surfaces at the next flush; this keeps it from being an unhandled rejection meanwhile.
    writing.catch(() => undefined);
  };

  const state = new EngineState();
  const failures = new FailureLog(tables, context.clock);
  const settings = new SettingsProjection(tables);
  const invoices = new InvoiceIndex(tables, sql, failures);
  const others = await otherEvents(store, end);
  for (const event of others) if (!INVOICE_TYPES.has(event.type)) settings.apply(state, event, writes, failures, mine);
  const drafts = await DraftsProjection.open(tables, sql, state, failures, partitions, context.heldMonths);
  const position = formatPosition(end);
  /** The units of the portfolio in hand, by month, as the units table would give them back. */
  let months = new Map<string, Param[][]>();

  const fold = (stream: string, events: readonly StoredEvent[]) => {
    const history = events.map(toPositioned);
    const wabaId = streamWaba(stream) ?? (history[0]!.data as { wabaId?: string }).wabaId!;
    const account = state.accounts.get(wabaId)!;
    const partition = state.partitionOf(wabaId)!;
    try {
      const thread = foldRows(stream, history, account, state.engine, partition, position);
      for (const { row, period } of thread.units) {
        units.push(row);
        let month = months.get(period);
        if (!month) months.set(period, (month = []));
        month.push(row);
      }
      threads.push(thread.thread);
      for (const row of thread.findings) findings.push(row);
      for (const row of thread.compared) compared.push(row);
    } catch (error) {
      const { code, message } = faultOf(error, 'FOLD_FAILED');
      const newest = history[history.length - 1]!;
      failures.record(writes, { kind: 'thread', subject: stream, partition, wabaId, position: newest.position!, stream, eventType: newest.type, code, message, blocks: touchedMonths(account, history) });
    }
  };
  const rate = async (portfolio: string) => {
    const members = [...(state.portfolios.get(portfolio) ?? [])].sort();
    for (const [period, rows] of months) await drafts.rateWhole(portfolio, period, chargeOrder(rows, members), end, writes);
    months = new Map();
  };

  let read = 0;
  let portfolio: string | undefined;
  for (const range of ranges) {
    if (range.portfolio !== portfolio) {
      if (portfolio !== undefined) await rate(portfolio);
      portfolio = range.portfolio;
      if (units.length >= FLUSH_UNITS) {
        await flush();
        onProgress?.(read);
      }
    }
    let stream: string | undefined;
    let events: StoredEvent[] = [];
    for await (const batch of ahead(store.readRange(range.from, range.to, end, 2_000))) {
      for (const event of batch) {
        if (event.stream !== stream) {
          if (stream !== undefined) fold(stream, events);
          stream = event.stream;
          events = [];
        }
        events.push(event);
      }
      read += batch.length;
    }
    if (stream !== undefined) fold(stream, events);
  }
  if (portfolio !== undefined) await rate(portfolio);
  await writing;
  for (const event of others) {
    if (!INVOICE_TYPES.has(event.type)) continue;
    const partition = state.partitionOf((event.data as { wabaId?: string } | null)?.wabaId ?? '');
    if (partition !== undefined && mine.has(partition)) await invoices.apply(event, partition, writes);
  }
  await flush();
  await writing;
  onProgress?.(read);
  return { events: read };
}

/** The next batch is asked for before this one is handed on, so the store reads while the caller folds. */
async function* ahead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ask = () => {
    const next = iterator.next();
    // A caller that stops early never awaits the batch asked for ahead: its failure is not unhandled.
    next.catch(() => undefined);
    return next;
  };
  let next = ask();
  for (;;) {
    const result = await next;
    if (result.done) return;
    next = ask();
    yield result.value;
  }
}

/** A portfolio-month's unit rows in the order stage 2 reads them from the table: each WABA's by key, merged in charge order. */
function chargeOrder(rows: Param[][], members: readonly string[]): Charged[] {
  const rank = new Map(members.map((waba, i) => [waba, i]));
  const sorted = [...rows].sort((a, b) => rank.get(a[0] as string)! - rank.get(b[0] as string)! || (a[2] as number) - (b[2] as number) || text(a[3] as string, b[3] as string) || text(a[10] as string, b[10] as string));
  return sorted.map((row) => ratingUnit(row[0] as string, row.slice(2, 10))).sort(byCharge);
}

/**
 * After every worker: the threads that wait for their account, and every partition's checkpoint
 * at the plan's end, in one transaction under all the leases; the version goes live.
 */
export async function finishRebuild(sql: Sql, tables: ReadModelTables, leases: Leases, plan: RebuildPlan, threadEvents: number, goLive: (tx: Sql) => Promise<void>): Promise<number> {
  const all = allPartitions(tables.partitions);
  const held = await leases.steal(all);
  const events = threadEvents + plan.otherEvents;
  const checkpoint = { position: plan.end, rated: plan.end, events, settings: plan.settings };
  await sql.transaction(async (tx) => {
    await leases.fence(tx, held);
    await tx.insertMany(tables.orphans, ['stream', 'waba_id'], plan.orphans.map((o) => [o.stream, o.wabaId]), 'ON CONFLICT DO NOTHING');
    await tables.checkpoints.write(tx, new Map(all.map((p) => [p, checkpoint])), true);
    await goLive(tx);
  });
  await leases.leave();
  return events;
}
