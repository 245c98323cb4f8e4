import type pg from 'pg';
import type { AppendResult, ExpectedRevision, StoredEvent } from '../event-store.port.js';
import { RecordedEvent } from '../event-store.port.js';
import { WrongExpectedRevision } from '../event-store.errors.js';
import { chainOf, linkAfter } from '../event-chain.js';
import { checkExpected, resolveRetry } from '../event-store.validation.js';
import type { EncodedEvent } from '../event-store.validation.js';
import type { Position } from '../position.js';
import { START } from '../position.js';

export interface Write {
  readonly stream: string;
  readonly events: readonly EncodedEvent[];
  readonly expected: ExpectedRevision;
}

/** One caller's writes: all of them commit, or none (each keeps append's rules). */
export interface Item {
  readonly writes: readonly Write[];
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Row {
  readonly stream: string;
  readonly revision: number;
  readonly event: EncodedEvent;
  /** Its link in the stream's chain. */
  readonly chain: string;
}

/** What became of one item: its results, awaiting the positions the insert gives, or its error. */
type Outcome =
  | { readonly item: Item; readonly results: AppendResult[] }
  | { readonly item: Item; readonly error: unknown }
  | { readonly item: Item; readonly later: true };

export interface Flushed {
  readonly settled: { readonly item: Item; readonly results?: AppendResult[]; readonly error?: unknown }[];
  /** Items that repeat ids another item of the flush is writing: they go in the next one, and find those ids stored. */
  readonly later: Item[];
}

export const COLUMNS = 'global_position, transaction_id, stream, revision, id, type, data::text AS data, metadata::text AS metadata, chain';

export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream: string;
  revision: string;
  id: string;
  type: string;
  data: string;
  metadata: string;
  chain: string | null;
}

/**
 * The writes of many callers in one transaction of two statements, however many streams they
 * touch: lock every stream row in name order (one global order, so two flushes never wait on
 * each other in a cycle), then insert the new events and move the streams' revisions in one
 * statement. Expected revisions are checked here in between, per item, as `append` checks them.
 * Retries are rare, so ids are not looked up first: the unique index on ids refuses one, and the
 * flush runs again with `lookup`, which reads the stored ids and settles retries as duplicates.
 * A refused expected revision may be a retry too, and triggers the same read.
 */
export async function flush(client: pg.PoolClient, schema: string, items: readonly Item[], lookup: boolean): Promise<Flushed> {
  const writes = items.flatMap((item) => item.writes);
  const streams = [...new Set(writes.map((w) => w.stream))].sort();
  const locked = await client.query<{ stream: string; revision: string; head: string | null }>({
    name: `${schema}-lock`,
    text: `INSERT INTO ${schema}.streams (stream, revision) SELECT s, -1 FROM unnest($1::text[]) AS s ORDER BY s
           ON CONFLICT (stream) DO UPDATE SET revision = streams.revision RETURNING stream, revision, head`,
    values: [streams],
  });
  const revisions = new Map(locked.rows.map((r) => [r.stream, Number(r.revision)]));
  // The locked heads are the links these writes continue: no other flush can move them before this one commits.
  const links = new Map(locked.rows.map((r) => [r.stream, linkAfter(Number(r.revision), r.head)]));
  let planner = new Planner(new Map(revisions), new Map(), new Map(links));
  let outcomes = lookup ? [] : items.map((item) => planner.plan(item));
  if (lookup || outcomes.some((o) => 'error' in o && o.error instanceof WrongExpectedRevision)) {
    const stored = await client.query<EventRow>({
      name: `${schema}-ids`,
      text: `SELECT ${COLUMNS} FROM ${schema}.events WHERE id = ANY($1::text[])`,
      values: [writes.flatMap((w) => w.events.map((e) => e.id))],
    });
    planner = new Planner(revisions, new Map(stored.rows.map((row) => [row.id, toEvent(row)])), links);
    outcomes = items.map((item) => planner.plan(item));
  }
  const positions = await insert(client, schema, planner.rows, planner.heads());
  const settled: Flushed['settled'] = [];
  const later: Item[] = [];
  for (const o of outcomes) {
    if ('later' in o) later.push(o.item);
    else if ('error' in o) settled.push({ item: o.item, error: o.error });
    else settled.push({ item: o.item, results: o.results.map((r) => placed(r, positions)) });
  }
  return { settled, later };
}

class Planner {
  readonly rows: Row[] = [];
  /** Events this flush writes, by id, as a retry within it would find them. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly revisions: Map<string, number>,
    private readonly found: ReadonlyMap<string, StoredEvent>,
    private readonly links: Map<string, string>,
  ) {}

  plan(item: Item): Outcome {
    const heads = new Map<string, number>();
    const links = new Map<string, string>();
    const rows: Row[] = [];
    const mine = new Map<string, StoredEvent>();
    const results: AppendResult[] = [];
    for (const { stream, events, expected } of item.writes) {
      if (events.some((e) => this.pending.has(e.id))) return { item, later: true };
      const known = events.flatMap((e) => {
        const hit = this.found.get(e.id) ?? mine.get(e.id);
        return hit ? [hit] : [];
      });
      try {
        const retry = resolveRetry(stream, events, known);
        if (retry) {
          results.push(retry);
          continue;
        }
        const head = heads.get(stream) ?? this.revisions.get(stream) ?? -1;
        checkExpected(stream, expected, head < 0 ? 'no_stream' : head);
        let link = links.get(stream) ?? this.links.get(stream)!;
        const written = events.map((event, i) => {
          link = chainOf(link, stream, head + 1 + i, event);
          const row = { stream, revision: head + 1 + i, event, chain: link };
          rows.push(row);
          mine.set(event.id, new RecordedEvent(stream, row.revision, START, event.id, event.type, event.data, event.metadata));
          return { id: event.id, revision: row.revision, position: START };
        });
        heads.set(stream, head + events.length);
        links.set(stream, link);
        results.push({ stream, revision: head + events.length, position: START, events: written, duplicate: false });
      } catch (error) {
        return { item, error };
      }
    }
    for (const [stream, head] of heads) this.revisions.set(stream, head);
    for (const [stream, link] of links) this.links.set(stream, link);
    for (const id of mine.keys()) this.pending.add(id);
    this.rows.push(...rows);
    return { item, results };
  }

  /** The new head of each stream this flush writes to: its revision and link. */
  heads(): Map<string, { revision: number; link: string }> {
    const heads = new Map<string, { revision: number; link: string }>();
    for (const row of this.rows) heads.set(row.stream, { revision: row.revision, link: row.chain });
    return heads;
  }
}

async function insert(client: pg.PoolClient, schema: string, rows: readonly Row[], heads: ReadonlyMap<string, { revision: number; link: string }>): Promise<Map<string, Position>> {
  if (rows.length === 0) return new Map();
  const { rows: inserted } = await client.query<{ id: string; global_position: string; transaction_id: string }>({
    name: `${schema}-insert`,
    text: `WITH moved AS (
             UPDATE ${schema}.streams SET revision = h.r, head = h.c FROM unnest($7::text[], $8::bigint[], $10::text[]) AS h(s, r, c) WHERE streams.stream = h.s
           )
           INSERT INTO ${schema}.events (stream, revision, id, type, data, metadata, chain)
           SELECT u.s, u.r, u.i, u.t, u.d::json, u.m::json, u.c
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $9::text[]) WITH ORDINALITY AS u(s, r, i, t, d, m, c, o)
           ORDER BY u.o
           RETURNING id, global_position, transaction_id`,
    values: [
      rows.map((r) => r.stream),
      rows.map((r) => r.revision),
      rows.map((r) => r.event.id),
      rows.map((r) => r.event.type),
      rows.map((r) => r.event.data),
      rows.map((r) => r.event.metadata),
      [...heads.keys()],
      [...heads.values()].map((h) => h.revision),
      rows.map((r) => r.chain),
      [...heads.values()].map((h) => h.link),
    ],
  });
  return new Map(inserted.map((row) => [row.id, toPosition(row)]));
}

/** A result planned before the insert, with the positions the insert gave its events. */
function placed(result: AppendResult, positions: ReadonlyMap<string, Position>): AppendResult {
  if (result.duplicate && result.position !== START) return result;
  const events = result.events.map((e) => ({ ...e, position: e.position === START ? positions.get(e.id)! : e.position }));
  return { ...result, events, position: events[events.length - 1]!.position };
}

export function toPosition(row: { transaction_id: string; global_position: string }): Position {
  return { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) };
}

export function toEvent(row: EventRow): StoredEvent {
  return new RecordedEvent(row.stream, Number(row.revision), toPosition(row), row.id, row.type, row.data, row.metadata, row.chain ?? undefined);
}
