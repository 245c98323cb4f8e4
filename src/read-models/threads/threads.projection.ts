import { streamWaba } from '../../../projections/events.js';
import type { Positioned, ThreadKey } from '../../../projections/events.js';
import type { AccountContext } from '../../../projections/thread/thread.types.js';
import type { EventStore, StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import { formatPosition } from '../../event-store/position.js';
import type { DraftsProjection } from '../drafts/drafts.projection.js';
import type { FailureLog } from '../failures/failure-log.js';
import { faultOf } from '../failures/failure-log.js';
import type { Writes } from '../processor/writes.js';
import type { ReadModelTables } from '../read-model.schema.js';
import type { EngineState } from '../settings/engine-state.js';
import type { Param, Sql } from '../sql.js';
import { inList } from '../sql.js';
import { threadHistories, toPositioned } from './thread-history.js';
import { COMPARED_COLUMNS, FINDING_COLUMNS, foldRows, THREAD_COLUMNS, THREAD_UPSERT, touchedMonths, UNIT_UPSERT } from './thread-rows.js';
import type { UnitKey } from './unit-rows.js';
import { RATED_COLUMNS, UNIT_BY_KEY, UNIT_COLUMNS, unitsByKey } from './unit-rows.js';

/** A thread's unit rows by unit id, as stored or as folded earlier in this batch and not written yet. */
type UnitRows = Map<string, readonly unknown[]>;

/**
 * Stage 1 for a cohort's partitions: every thread a page touches is folded again from its whole
 * history (so a late status lands where it belongs), its units compared with the rows it had,
 * and only what changed is written. A month is marked for stage 2 only when a unit's rated
 * columns changed. A thread the engine throws on loses its rows, is recorded as a failure with
 * the months it blocks, and the others go on.
 */
export class ThreadsProjection {
  private readonly pending = new Map<string, StoredEvent[]>();
  private readonly fromLog = new Set<string>();
  private readonly accounts = new Set<string>();
  private readonly folded = new Map<string, { wabaId: string; units: UnitRows }>();
  /** Orphans recorded in this batch, not written yet, by WABA. */
  private readonly orphans = new Map<string, Set<string>>();

  constructor(
    private readonly tables: ReadModelTables,
    private readonly sql: Sql,
    private readonly store: EventStore,
    private readonly state: EngineState,
    private readonly failures: FailureLog,
    private readonly drafts: DraftsProjection,
    private readonly partitions: ReadonlySet<number>,
  ) {}

  add(event: StoredEvent): void {
    let events = this.pending.get(event.stream);
    if (!events) this.pending.set(event.stream, (events = []));
    events.push(event);
  }

  /** Folds a thread again from the log: a retry, or a thread that waited for its account. */
  refold(stream: string): void {
    this.fromLog.add(stream);
  }

  /** A thread whose WABA is not registered yet: it is folded when its WABA is. */
  orphan(stream: string, wabaId: string, writes: Writes): void {
    let streams = this.orphans.get(wabaId);
    if (!streams) this.orphans.set(wabaId, (streams = new Set()));
    if (streams.has(stream)) return;
    streams.add(stream);
    writes.insertMany(this.tables.orphans, ['stream', 'waba_id'], [[stream, wabaId]], 'ON CONFLICT DO NOTHING');
  }

  /** Folds every thread of a WABA again, and those that waited for it: its settings changed or it was registered. */
  refoldAccount(wabaId: string): void {
    this.accounts.add(wabaId);
  }

  /** Its WABA is registered: the threads that waited for it are orphans no longer (in every partition, which all recorded them). */
  registered(wabaId: string, writes: Writes): void {
    writes.run(`DELETE FROM ${this.tables.orphans} WHERE waba_id = ?`, [wabaId]);
  }

  /** The batch's writes are committed: what was folded is in the tables now. */
  committed(): void {
    this.folded.clear();
    this.orphans.clear();
  }

  /** Folds what the page routed here; answers how many threads. */
  async fold(end: Position, writes: Writes): Promise<number> {
    for (const wabaId of this.accounts) {
      const rows = await this.sql.all<{ stream: string }>(`SELECT stream FROM ${this.tables.threads} WHERE waba_id = ? UNION SELECT stream FROM ${this.tables.orphans} WHERE waba_id = ?`, [wabaId, wabaId]);
      for (const { stream } of rows) this.fromLog.add(stream);
      for (const [stream, thread] of this.folded) if (thread.wabaId === wabaId) this.fromLog.add(stream);
      for (const stream of this.orphans.get(wabaId) ?? []) this.fromLog.add(stream);
    }
    const streams = [...new Set([...this.pending.keys(), ...this.fromLog])];
    // A thread whose first event is in hand has no rows yet: only the others are looked up.
    const stored = await this.stored(streams.filter((s) => !this.folded.has(s) && (this.fromLog.has(s) || this.pending.get(s)?.[0]?.revision !== 0)));
    const position = formatPosition(end);
    const units: Param[][] = [];
    const threads: Param[][] = [];
    const findings: Param[][] = [];
    const compared: Param[][] = [];
    const replaced: string[] = [];
    const known = (stream: string) => this.folded.get(stream)?.units ?? stored.get(stream);
    // A thread seen for the first time has its whole history in this page; the others are read back from the log, together.
    const whole = (stream: string) => {
      const events = this.pending.get(stream);
      return !known(stream) && !this.fromLog.has(stream) && events !== undefined && events[0]!.revision === 0 && events[events.length - 1]!.revision === events.length - 1;
    };
    const fresh = new Set(streams.filter(whole));
    const logged = await threadHistories(this.store, streams.filter((s) => !fresh.has(s)), end);
    for (const stream of streams) {
      const history = fresh.has(stream) ? this.pending.get(stream)!.map(toPositioned) : (logged.get(stream) ?? []);
      const account = this.ownerOf(stream, history);
      const partition = account && this.state.partitionOf(account.wabaId);
      if (!account || partition === undefined || !this.partitions.has(partition)) continue;
      // A thread's findings are replaced whole; one seen for the first time has none to replace.
      if (!fresh.has(stream)) replaced.push(stream);
      try {
        const thread = foldRows(stream, history, account, this.state.engine, partition, position);
        this.diff(stream, account, known(stream) ?? new Map<string, readonly unknown[]>(), thread.units, units, writes);
        threads.push(thread.thread);
        for (const row of thread.findings) findings.push(row);
        for (const row of thread.compared) compared.push(row);
        this.failures.clear(writes, 'thread', stream);
      } catch (error) {
        // Whatever happened to it before, a thread that does not fold is left out: the read models are the log without it, its months blocked.
        this.diff(stream, account, known(stream) ?? new Map<string, readonly unknown[]>(), [], units, writes);
        writes.run(`DELETE FROM ${this.tables.threads} WHERE stream = ?`, [stream]);
        const { code, message } = faultOf(error, 'FOLD_FAILED');
        const newest = history[history.length - 1]!;
        this.failures.record(writes, {
          kind: 'thread',
          subject: stream,
          partition,
          wabaId: account.wabaId,
          position: newest.position ?? position,
          stream,
          eventType: newest.type,
          code,
          message,
          blocks: touchedMonths(account, history),
        });
      }
    }
    for (let i = 0; i < replaced.length; i += 500) {
      const chunk = replaced.slice(i, i + 500);
      writes.run(`DELETE FROM ${this.tables.findings} WHERE stream IN (${inList(chunk.length)})`, chunk);
      writes.run(`DELETE FROM ${this.tables.compared} WHERE stream IN (${inList(chunk.length)})`, chunk);
    }
    writes.insertMany(this.tables.units, UNIT_COLUMNS, units, UNIT_UPSERT);
    writes.insertMany(this.tables.threads, THREAD_COLUMNS, threads, THREAD_UPSERT);
    writes.insertMany(this.tables.findings, FINDING_COLUMNS, findings, 'ON CONFLICT DO NOTHING');
    writes.insertMany(this.tables.compared, COMPARED_COLUMNS, compared, 'ON CONFLICT DO NOTHING');
    this.pending.clear();
    this.fromLog.clear();
    this.accounts.clear();
    return streams.length;
  }

  /** The account whose thread this is: its number's WABA, or its first event's when the number is not attached. */
  private ownerOf(stream: string, history: readonly Positioned[]): AccountContext | undefined {
    if (!history.length) return undefined;
    const wabaId = streamWaba(stream) ?? (history[0]!.data as Partial<ThreadKey> | null)?.wabaId;
    return wabaId === undefined ? undefined : this.state.accounts.get(wabaId);
  }

  /** Queues what changed between a thread's stored units and its new ones, and tells stage 2 which months moved. */
  private diff(stream: string, account: AccountContext, before: UnitRows, folded: ReturnType<typeof foldRows>['units'], inserts: Param[][], writes: Writes): void {
    const left = new Map(before);
    const after: UnitRows = new Map();
    for (const { row, period, at, unit } of folded) {
      after.set(unit.id, row);
      const previous = left.get(unit.id);
      left.delete(unit.id);
      // A re-fold mostly finds the units it had: rows left alone are pages a commit does not write.
      if (previous && sameColumns(previous, row, UNIT_COLUMNS.length)) continue;
      const rated = !previous || !sameColumns(previous, row, RATED_COLUMNS);
      if (previous) this.remove(previous, stream, rated, writes);
      if (rated) this.drafts.added(account, period, { unit, at }, writes);
      inserts.push(row);
    }
    for (const gone of left.values()) this.remove(gone, stream, true, writes);
    this.folded.set(stream, { wabaId: account.wabaId, units: after });
  }

  private remove(row: readonly unknown[], stream: string, rated: boolean, writes: Writes): void {
    const [waba, period, openedAt, unitId] = row as [string, string, number | string, string];
    writes.run(`DELETE FROM ${this.tables.units} WHERE ${UNIT_BY_KEY}`, [waba, period, Number(openedAt), unitId, stream]);
    if (rated) this.drafts.changed(waba, period, writes);
  }

  /** The unit rows of the threads that have a row: their rows in one query, their units in another. */
  private async stored(streams: readonly string[]): Promise<Map<string, UnitRows>> {
    const found = new Map<string, UnitRows>();
    const keys: { key: UnitKey; stream: string }[] = [];
    for (let i = 0; i < streams.length; i += 500) {
      const chunk = streams.slice(i, i + 500);
      const rows = await this.sql.all<{ stream: string; units: string }>(`SELECT stream, units FROM ${this.tables.threads} WHERE stream IN (${inList(chunk.length)})`, chunk);
      for (const row of rows) {
        found.set(row.stream, new Map());
        for (const key of JSON.parse(row.units) as UnitKey[]) keys.push({ key, stream: row.stream });
      }
    }
    for (const row of await unitsByKey(this.sql, this.tables.units, keys)) found.get(row[10] as string)?.set(row[3] as string, row);
    return found;
  }
}

/** Whether a stored row (numbers may come back as text) holds the same first `count` values as a new one. */
function sameColumns(stored: readonly unknown[], row: readonly unknown[], count: number): boolean {
  for (let i = 0; i < count; i++) {
    const a = stored[i] as Param;
    const b = row[i] as Param;
    if (a === b) continue;
    if (a === null || b === null || String(a) !== String(b)) return false;
  }
  return true;
}
