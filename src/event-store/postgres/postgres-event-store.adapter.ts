import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { StoreBusy, StoreUnavailable, storeTrouble } from '../event-store.errors.js';
import type { AppendOptions, AppendResult, AppendWrite, EventInput, StoredEvent, StreamHead, StreamRevision } from '../event-store.port.js';
import { EventStore } from '../event-store.port.js';
import { encodeAppend } from '../event-store.validation.js';
import type { Position } from '../position.js';
import { START } from '../position.js';
import { COLUMNS, flush, toEvent, toPosition } from './pg-append.js';
import type { EventRow, Flushed, Item, Write } from './pg-append.js';
import { DEFAULT_PG, openPool } from './pg-pool.js';
import type { PgTuning } from './pg-pool.js';
import { inTransaction } from './pg-transaction.js';

export interface PostgresOptions {
  readonly connectionString: string;
  /** All tables live in this schema; tests give each suite its own. */
  readonly schema?: string;
  readonly tuning?: PgTuning;
}

/** Flushes at once, and the events a flush gathers before it starts (an item is never split). */
const FLUSHES = 2;
const FLUSH_EVENTS = 5_000;
const FLUSH_ATTEMPTS = 6;

/**
 * Global order is (writing transaction id, sequence number). A reader only sees rows whose
 * transaction id is below the oldest transaction still running (pg_snapshot_xmin), so a
 * transaction that took a lower id and commits late is never skipped by a catch-up reader:
 * nothing below that horizon can appear any more. The price is that a long-running transaction
 * anywhere in the cluster holds subscribers back until it ends.
 */
export class PostgresEventStore extends EventStore {
  readonly name = 'postgres';
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly tuning: PgTuning;
  private ready: Promise<void> | undefined;
  private queue: Item[] = [];
  private flushing = 0;

  constructor(options: PostgresOptions) {
    super();
    this.schema = options.schema ?? 'ledger';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new RangeError(`invalid schema name ${this.schema}`);
    this.tuning = options.tuning ?? DEFAULT_PG;
    this.pool = openPool(options.connectionString, this.tuning, this.tuning.pool);
  }

  /**
   * Creates the schema once per process; an advisory lock keeps two of its processes from racing,
   * and a schema another part of the ledger (the read models) created meanwhile is tried again.
   */
  init(): Promise<void> {
    this.ready ??= this.create()
      .catch((error: unknown) => {
        if (!['23505', '42P06'].includes((error as { code?: string }).code ?? '')) throw error;
        return this.create();
      })
      .catch((error: unknown) => {
        // Unreachable now is not unreachable for good: the next call tries again.
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  private create(): Promise<void> {
    return this.transaction(async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ledger-schema-' || $1::text))`, [this.schema]);
      await client.query(`
        CREATE SCHEMA IF NOT EXISTS ${this.schema};
        CREATE TABLE IF NOT EXISTS ${this.schema}.streams (
          stream text PRIMARY KEY,
          revision bigint NOT NULL,
          head text
        );
        CREATE TABLE IF NOT EXISTS ${this.schema}.events (
          global_position bigserial NOT NULL,
          transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          stream text NOT NULL,
          revision bigint NOT NULL,
          id text NOT NULL,
          type text NOT NULL,
          data json NOT NULL,
          metadata json NOT NULL,
          chain text,
          PRIMARY KEY (transaction_id, global_position),
          CONSTRAINT events_id_unique UNIQUE (id),
          CONSTRAINT events_stream_revision_unique UNIQUE (stream, revision)
        );
      `);
      // Schemas from before chains gain each event's link and each stream's head link, once: an ALTER takes the table
      // whole even when it changes nothing, so it runs only when the column is missing, streams before events, in the
      // order every append locks them (another process appending meanwhile then waits instead of deadlocking).
      const { rows } = await client.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = $1 AND ((table_name = 'streams' AND column_name = 'head') OR (table_name = 'events' AND column_name = 'chain'))`,
        [this.schema],
      );
      if (Number(rows[0]!.n) < 2) {
        await client.query(`ALTER TABLE ${this.schema}.streams ADD COLUMN IF NOT EXISTS head text`);
        await client.query(`ALTER TABLE ${this.schema}.events ADD COLUMN IF NOT EXISTS chain text`);
      }
    });
  }

  async append(stream: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult> {
    const [result] = await this.enqueue([{ stream, events: encodeAppend(stream, events, options?.expected), expected: options?.expected }]);
    return result!;
  }

  /** All or none, in one transaction (with whatever other callers' appends share its flush). */
  override async appendMany(writes: readonly AppendWrite[]): Promise<AppendResult[]> {
    return this.enqueue(writes.map((w) => ({ stream: w.stream, events: encodeAppend(w.stream, w.events, w.expected), expected: w.expected })));
  }

  /**
   * Group commit: appends that arrive while a flush is running share the next one, so a
   * transaction and its commit's fsync serve many requests, in two statements (four round trips
   * with BEGIN and COMMIT) whatever their number. Two flushes may run at once, so one's round
   * trips overlap the other's.
   */
  private enqueue(writes: Write[]): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.flushing < FLUSHES && this.queue.length) {
      let events = 0;
      let count = 0;
      while (count < this.queue.length && (count === 0 || events < FLUSH_EVENTS)) {
        events += this.queue[count]!.writes.reduce((n, w) => n + w.events.length, 0);
        count += 1;
      }
      const items = this.queue.splice(0, count);
      this.flushing += 1;
      void this.settle(items).finally(() => {
        this.flushing -= 1;
        this.pump();
      });
    }
  }

  private async settle(items: Item[]): Promise<void> {
    try {
      await this.init();
      const { settled, later } = await this.flushRetrying(items);
      for (const { item, results, error } of settled) {
        if (results) item.resolve(results);
        else item.reject(error);
      }
      this.queue.unshift(...later);
    } catch (error) {
      const trouble = storeTrouble(error);
      // A statement no item can be blamed for alone (a value the server refuses) is tried item by item, so it fails only its own.
      if (items.length > 1 && !trouble) {
        for (const item of items) await this.settle([item]);
        return;
      }
      const failure = trouble === 'unavailable' ? new StoreUnavailable(error) : trouble === 'busy' ? new StoreBusy(error) : error;
      for (const item of items) item.reject(failure);
    }
  }

  /**
   * A deadlock or serialization failure rolls the flush back, so it is simply run again. A stored
   * id (a retried append, or one another process inserted meanwhile) refuses the insert: the flush
   * runs again reading the stored ids. Past a few attempts the callers hear STORE_BUSY, which
   * they may retry.
   */
  private async flushRetrying(items: Item[]): Promise<Flushed> {
    let lookup = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((client) => flush(client, this.schema, items, lookup));
      } catch (error) {
        const stored = (error as { code?: string }).code === '23505';
        if ((!stored && storeTrouble(error) !== 'busy') || attempt >= FLUSH_ATTEMPTS) throw error;
        if (stored && !lookup) lookup = true;
        else await sleep(attempt * 5 + Math.random() * 20);
      }
    }
  }

  async streamRevision(stream: string): Promise<StreamRevision> {
    await this.init();
    const { rows } = await this.pool.query<{ revision: string }>(
      `SELECT revision FROM ${this.schema}.streams WHERE stream = $1`,
      [stream],
    );
    // A stream's row is created by the lock of the flush that first writes to it, and stays at -1 if that write was refused.
    const revision = rows.length === 0 ? -1 : Number(rows[0]!.revision);
    return revision < 0 ? 'no_stream' : revision;
  }

  protected async readStreamPage(stream: string, from: number, direction: 'forwards' | 'backwards', limit: number): Promise<StoredEvent[]> {
    await this.init();
    const [op, order] = direction === 'forwards' ? ['>=', 'ASC'] : ['<=', 'DESC'];
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE stream = $1 AND revision ${op} $2 ORDER BY revision ${order} LIMIT $3`,
      [stream, from, limit],
    );
    return rows.map(toEvent);
  }

  async readAllPage(after: Position, limit: number): Promise<StoredEvent[]> {
    await this.init();
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.schema}.events
       WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id, global_position
       LIMIT $3`,
      [after.commit.toString(), after.prepare.toString(), limit],
    );
    return rows.map(toEvent);
  }

  /** Bounded by the connect timeout, not the statement's: /health answers quickly while the network stalls. */
  async ping(): Promise<void> {
    // pg takes a per-query timeout its typings do not list.
    await this.pool.query({ text: 'SELECT 1', query_timeout: this.tuning.connectTimeoutMs } as pg.QueryConfig);
  }

  override async lastPosition(): Promise<Position> {
    await this.init();
    const { rows } = await this.pool.query<{ global_position: string; transaction_id: string }>(
      `SELECT global_position, transaction_id FROM ${this.schema}.events WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return rows[0] ? toPosition(rows[0]) : START;
  }

  override async *readRange(from: string, to: string, upTo: Position, batchSize = 1_000): AsyncGenerator<StoredEvent[]> {
    await this.init();
    let stream = from;
    let revision = -1;
    for (;;) {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.schema}.events
         WHERE (stream, revision) > ($1, $2::bigint) AND stream < $3 AND (transaction_id, global_position) <= ($4::text::xid8, $5::bigint)
         ORDER BY stream, revision LIMIT $6`,
        [stream, revision, to, upTo.commit.toString(), upTo.prepare.toString(), batchSize],
      );
      if (!rows.length) return;
      yield rows.map(toEvent);
      const last = rows[rows.length - 1]!;
      stream = last.stream;
      revision = Number(last.revision);
    }
  }

  override async streamNames(from: string, to: string, upTo: Position): Promise<string[]> {
    await this.init();
    const { rows } = await this.pool.query<{ stream: string }>(
      `SELECT stream FROM ${this.schema}.events WHERE stream >= $1 AND stream < $2 AND revision = 0 AND (transaction_id, global_position) <= ($3::text::xid8, $4::bigint) ORDER BY stream`,
      [from, to, upTo.commit.toString(), upTo.prepare.toString()],
    );
    return rows.map((r) => r.stream);
  }

  override async countUpTo(upTo: Position): Promise<number> {
    await this.init();
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM ${this.schema}.events WHERE (transaction_id, global_position) <= ($1::text::xid8, $2::bigint)`,
      [upTo.commit.toString(), upTo.prepare.toString()],
    );
    return Number(rows[0]!.n);
  }

  /** Without the horizon readAllPage keeps: a row a reader cannot take yet still counts as lag. */
  override async streamHeads(streams: readonly string[]): Promise<Map<string, { readonly revision: number; readonly link: string | null }>> {
    await this.init();
    const { rows } = await this.pool.query<{ stream: string; revision: string; head: string | null }>(`SELECT stream, revision, head FROM ${this.schema}.streams WHERE stream = ANY($1::text[])`, [streams]);
    return new Map(rows.map((r) => [r.stream, { revision: Number(r.revision), link: r.head }]));
  }

  override async unread(after: Position, cap = 1_000_000): Promise<{ readonly events: number; readonly oldest: StoredEvent | undefined }> {
    await this.init();
    const bound = [after.commit.toString(), after.prepare.toString()];
    const [{ rows: counted }, { rows: first }] = await Promise.all([
      this.pool.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${this.schema}.events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) LIMIT $3) AS unread`,
        [...bound, cap],
      ),
      this.pool.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) ORDER BY transaction_id, global_position LIMIT 1`,
        bound,
      ),
    ]);
    return { events: Number(counted[0]!.n), oldest: first[0] ? toEvent(first[0]) : undefined };
  }

  override async headsAt(streams: readonly string[], upTo: Position): Promise<Map<string, StreamHead>> {
    await this.init();
    const heads = new Map<string, StreamHead>();
    for (let start = 0; start < streams.length; start += 1_000) {
      const { rows } = await this.pool.query<{ stream: string; revision: string; chain: string | null }>(
        `SELECT DISTINCT ON (stream) stream, revision, chain FROM ${this.schema}.events
         WHERE stream = ANY($1::text[]) AND (transaction_id, global_position) <= ($2::text::xid8, $3::bigint) ORDER BY stream, revision DESC`,
        [streams.slice(start, start + 1_000), upTo.commit.toString(), upTo.prepare.toString()],
      );
      for (const row of rows) heads.set(row.stream, { revision: Number(row.revision), link: row.chain });
    }
    return heads;
  }

  override async eventsIn(stream: string, ids: readonly string[]): Promise<StoredEvent[]> {
    await this.init();
    const { rows } = await this.pool.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events WHERE id = ANY($1::text[]) AND stream = $2 ORDER BY revision`, [ids, stream]);
    return rows.map(toEvent);
  }

  override async readStreams(streams: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    await this.init();
    const found = new Map<string, StoredEvent[]>();
    for (let start = 0; start < streams.length; start += 1_000) {
      const { rows } = await this.pool.query<EventRow>({
        name: `${this.schema}-streams`,
        text: `SELECT ${COLUMNS} FROM ${this.schema}.events WHERE stream = ANY($1::text[]) ORDER BY stream, revision`,
        values: [streams.slice(start, start + 1_000)],
      });
      for (const row of rows) {
        let events = found.get(row.stream);
        if (!events) found.set(row.stream, (events = []));
        events.push(toEvent(row));
      }
    }
    return found;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}
