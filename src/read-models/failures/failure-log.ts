import { createHash } from 'node:crypto';
import type { Writes } from '../processor/writes.js';
import type { ReadModelTables } from '../read-model.schema.js';
import type { Param, Sql } from '../sql.js';
import { bare, inList } from '../sql.js';

/** A thread stage 1 could not fold, a portfolio-month stage 2 could not rate, or an event no projection could apply. */
export type FailureKind = 'thread' | 'month' | 'event';

/** An account-month a failure blocks; period `*` blocks every month of the WABA. */
export interface BlockedMonth {
  readonly wabaId: string;
  readonly period: string;
}

export interface Failure {
  readonly kind: FailureKind;
  /** The thread's stream, `portfolio/period`, or the event's position. */
  readonly subject: string;
  readonly partition: number;
  readonly wabaId?: string;
  /** The newest event the failing work read. */
  readonly position: string;
  readonly stream?: string;
  readonly eventType?: string;
  readonly code: string;
  readonly message: string;
  readonly blocks: readonly BlockedMonth[];
}

export interface FailureRecord extends Omit<Failure, 'blocks'> {
  readonly id: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly attempts: number;
  /** A retry was asked for and its partition's owner has not taken it up yet. */
  readonly retryRequested: boolean;
  readonly blocks: readonly BlockedMonth[];
}

/** Stable across retries, restarts and rebuilds, so a failure seen again is the same record. */
export function failureId(kind: FailureKind, subject: string): string {
  return `${kind}-${createHash('sha256').update(subject).digest('hex').slice(0, 16)}`;
}

/** The code and message of what the engine threw: its own code when it has one, else the stage's. */
export function faultOf(error: unknown, stageCode: string): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : stageCode, message: message.slice(0, 2_000) };
}

interface Row {
  id: string;
  partition: number;
  kind: FailureKind;
  subject: string;
  waba_id: string | null;
  position: string;
  stream: string | null;
  event_type: string | null;
  code: string;
  message: string;
  first_seen: string;
  last_seen: string;
  attempts: number | string;
  retry: number | string;
}

const COLUMNS = ['id', 'partition', 'kind', 'subject', 'waba_id', 'position', 'stream', 'event_type', 'code', 'message', 'first_seen', 'last_seen', 'attempts', 'retry'];

/**
 * The failures of a cohort's partitions: recorded with the months they block, cleared when the
 * same work succeeds (a corrected event, a retry, a fixed version), and retried on request.
 */
export class FailureLog {
  /** Failures on record in these partitions, by id. */
  readonly known = new Map<string, { kind: FailureKind; subject: string }>();
  /** The same, by kind and subject: most work has none to clear, and asks without hashing. */
  private readonly subjects = new Set<string>();

  constructor(
    private readonly tables: ReadModelTables,
    private readonly clock: () => Date,
  ) {}

  async load(sql: Sql, partitions: readonly number[]): Promise<void> {
    this.known.clear();
    if (!partitions.length) return;
    const rows = await sql.all<{ id: string; kind: FailureKind; subject: string }>(`SELECT id, kind, subject FROM ${this.tables.failures} WHERE partition IN (${inList(partitions.length)})`, partitions);
    for (const row of rows) this.remember(row.id, row.kind, row.subject);
  }

  private remember(id: string, kind: FailureKind, subject: string): void {
    this.known.set(id, { kind, subject });
    this.subjects.add(`${kind} ${subject}`);
  }

  record(writes: Writes, failure: Failure): string {
    const id = failureId(failure.kind, failure.subject);
    const now = this.clock().toISOString();
    const table = this.tables.failures;
    writes.insertMany(
      table,
      COLUMNS,
      [[id, failure.partition, failure.kind, failure.subject, failure.wabaId ?? null, failure.position, failure.stream ?? null, failure.eventType ?? null, failure.code, failure.message, now, now, 1, 0]],
      `ON CONFLICT (id) DO UPDATE SET position = excluded.position, stream = excluded.stream, event_type = excluded.event_type, code = excluded.code,
       message = excluded.message, last_seen = excluded.last_seen, attempts = ${bare(table)}.attempts + 1, retry = 0`,
    );
    writes.run(`DELETE FROM ${this.tables.blocked} WHERE failure_id = ?`, [id]);
    const blocks = new Map(failure.blocks.map((b) => [`${b.wabaId}\u0000${b.period}`, b]));
    writes.insertMany(this.tables.blocked, ['failure_id', 'waba_id', 'period', 'partition'], [...blocks.values()].map((b): Param[] => [id, b.wabaId, b.period, failure.partition]));
    this.remember(id, failure.kind, failure.subject);
    return id;
  }

  /** The work succeeded: a failure on record for it is gone, and so are the months it blocked. */
  clear(writes: Writes, kind: FailureKind, subject: string): void {
    if (!this.subjects.delete(`${kind} ${subject}`)) return;
    const id = failureId(kind, subject);
    this.known.delete(id);
    writes.run(`DELETE FROM ${this.tables.failures} WHERE id = ?`, [id]);
    writes.run(`DELETE FROM ${this.tables.blocked} WHERE failure_id = ?`, [id]);
  }

  /** Failures of these partitions someone asked to retry. */
  async retries(sql: Sql, partitions: readonly number[]): Promise<{ id: string; kind: FailureKind; subject: string; wabaId: string | null }[]> {
    if (!partitions.length) return [];
    const rows = await sql.all<{ id: string; kind: FailureKind; subject: string; waba_id: string | null }>(
      `SELECT id, kind, subject, waba_id FROM ${this.tables.failures} WHERE retry = 1 AND partition IN (${inList(partitions.length)})`,
      partitions,
    );
    return rows.map((r) => ({ id: r.id, kind: r.kind, subject: r.subject, wabaId: r.waba_id }));
  }

  /** An event failure is the event's, not the data's around it: trying again changes nothing, and says so. */
  seenAgain(writes: Writes, id: string): void {
    writes.run(`UPDATE ${this.tables.failures} SET attempts = attempts + 1, last_seen = ?, retry = 0 WHERE id = ?`, [this.clock().toISOString(), id]);
  }
}

/** Failures on record, oldest first, with the months each blocks. */
export async function listFailures(sql: Sql, tables: ReadModelTables, ids?: readonly string[]): Promise<FailureRecord[]> {
  if (ids && !ids.length) return [];
  const where = ids ? ` WHERE id IN (${inList(ids.length)})` : '';
  const rows = await sql.all<Row>(`SELECT ${COLUMNS.join(', ')} FROM ${tables.failures}${where} ORDER BY first_seen, id`, ids ?? []);
  const blocked = await sql.all<{ failure_id: string; waba_id: string; period: string }>(`SELECT failure_id, waba_id, period FROM ${tables.blocked}${ids ? ` WHERE failure_id IN (${inList(ids.length)})` : ''} ORDER BY waba_id, period`, ids ?? []);
  const blocks = new Map<string, BlockedMonth[]>();
  for (const b of blocked) {
    let list = blocks.get(b.failure_id);
    if (!list) blocks.set(b.failure_id, (list = []));
    list.push({ wabaId: b.waba_id, period: b.period });
  }
  return rows.map((r) => ({
    id: r.id,
    partition: Number(r.partition),
    kind: r.kind,
    subject: r.subject,
    ...(r.waba_id !== null ? { wabaId: r.waba_id } : {}),
    position: r.position,
    ...(r.stream !== null ? { stream: r.stream } : {}),
    ...(r.event_type !== null ? { eventType: r.event_type } : {}),
    code: r.code,
    message: r.message,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    attempts: Number(r.attempts),
    retryRequested: Number(r.retry) === 1,
    blocks: blocks.get(r.id) ?? [],
  }));
}

/** Asks the owners of these failures' partitions to try them again; answers the ids it marked. */
export async function requestRetry(sql: Sql, tables: ReadModelTables, ids: readonly string[] | 'all'): Promise<string[]> {
  if (ids !== 'all' && !ids.length) return [];
  const where = ids === 'all' ? '' : ` WHERE id IN (${inList(ids.length)})`;
  const rows = await sql.all<{ id: string }>(`UPDATE ${tables.failures} SET retry = 1${where} RETURNING id`, ids === 'all' ? [] : ids);
  return rows.map((r) => r.id).sort();
}

/** The failures that block an account-month (its own month, or every month of the WABA). */
export async function blockersOf(sql: Sql, tables: ReadModelTables, wabaId: string, period: string): Promise<{ id: string; code: string; message: string; kind: FailureKind }[]> {
  return sql.all<{ id: string; code: string; message: string; kind: FailureKind }>(
    `SELECT DISTINCT f.id, f.code, f.message, f.kind FROM ${tables.blocked} b JOIN ${tables.failures} f ON f.id = b.failure_id
     WHERE b.waba_id = ? AND (b.period = ? OR b.period = '*') ORDER BY f.id`,
    [wabaId, period],
  );
}
