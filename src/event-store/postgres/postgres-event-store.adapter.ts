import pg from 'pg';
import { WrongExpectedRevision } from '../event-store.errors.js';
import type { AppendOptions, AppendResult, AppendWrite, EventInput, StoredEvent, StreamRevision } from '../event-store.port.js';
import { EventStore, RecordedEvent } from '../event-store.port.js';
import { checkExpected, encodeAppend, resolveRetry } from '../event-store.validation.js';
import type { EncodedEvent } from '../event-store.validation.js';
import type { Position } from '../position.js';
import { START } from '../position.js';
import { inTransaction } from './pg-transaction.js';

export interface PostgresOptions {
  readonly connectionString: string;
  /** All tables live in this schema; tests give each suite its own. */
  readonly schema?: string;
  readonly poolSize?: number;
}

interface EventRow {
  global_position: string;
  transaction_id: string;
  stream: string;
  revision: string;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

const COLUMNS = 'global_position, transaction_id, stream, revision, id, type, data::text AS data, metadata::text AS metadata';

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
  private ready: Promise<void> | undefined;

  constructor(options: PostgresOptions) {
    super();
    this.schema = options.schema ?? 'ledger';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new RangeError(`invalid schema name ${this.schema}`);
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  }

  /**
   * Creates the schema once per process; an advisory lock keeps two of its processes from racing,
   * and a schema another part of the ledger (the read models) created meanwhile is tried again.
   */
  init(): Promise<void> {
    this.ready ??= this.create().catch((error: unknown) => {
      if (!['23505', '42P06'].includes((error as { code?: string }).code ?? '')) throw error;
      return this.create();
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
          revision bigint NOT NULL
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
          PRIMARY KEY (transaction_id, global_position),
          CONSTRAINT events_id_unique UNIQUE (id),
          CONSTRAINT events_stream_revision_unique UNIQUE (stream, revision)
        );
      `);
    });
  }

  async append(stream: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult> {
    const encoded = encodeAppend(stream, events, options?.expected);
    await this.init();
    try {
      return await this.transaction((client) => this.write(client, stream, encoded, options));
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) && (error as { code?: string }).code !== '23505') throw error;
      const retry = resolveRetry(stream, encoded, await this.findByIds(encoded.map((e) => e.id)));
      if (retry) return retry;
      throw error;
    }
  }

  override async appendMany(writes: readonly AppendWrite[]): Promise<AppendResult[]> {
    const encoded = writes.map((write) => ({ ...write, encoded: encodeAppend(write.stream, write.events, write.expected) }));
    await this.init();
    return this.transaction(async (client) => {
      const results: AppendResult[] = [];
      for (const { stream, encoded: events, expected } of encoded) {
        // A savepoint per write, so a write that is a retry rolls back alone.
        await client.query('SAVEPOINT w');
        try {
          results.push(await this.write(client, stream, events, { expected }));
          await client.query('RELEASE SAVEPOINT w');
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT w');
          if (!(error instanceof WrongExpectedRevision) && (error as { code?: string }).code !== '23505') throw error;
          const retry = resolveRetry(stream, events, await this.findByIds(events.map((e) => e.id), client));
          if (!retry) throw error;
          results.push(retry);
        }
      }
      return results;
    });
  }

  private async write(client: pg.PoolClient, stream: string, events: EncodedEvent[], { expected }: AppendOptions): Promise<AppendResult> {
    // The no-op update takes the stream's row lock, so concurrent writers to one stream queue
    // here and each sees the revision its predecessor committed.
    const locked = await client.query<{ revision: string }>(
      `INSERT INTO ${this.schema}.streams (stream, revision) VALUES ($1, -1)
       ON CONFLICT (stream) DO UPDATE SET revision = streams.revision
       RETURNING revision`,
      [stream],
    );
    const revision = Number(locked.rows[0]!.revision);
    const current: StreamRevision = revision < 0 ? 'no_stream' : revision;
    checkExpected(stream, expected, current);
    const first = revision + 1;
    const inserted = await client.query<{ global_position: string; transaction_id: string; revision: string; id: string }>(
      `INSERT INTO ${this.schema}.events (stream, revision, id, type, data, metadata)
       SELECT $1, $2::bigint + u.o - 1, u.i, u.t, u.d::json, u.m::json
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(i, t, d, m, o)
       ORDER BY u.o
       RETURNING global_position, transaction_id, revision, id`,
      [stream, first, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.data), events.map((e) => e.metadata)],
    );
    const last = first + events.length - 1;
    await client.query(`UPDATE ${this.schema}.streams SET revision = $2 WHERE stream = $1`, [stream, last]);
    const written = inserted.rows
      .map((row) => ({ id: row.id, revision: Number(row.revision), position: toPosition(row) }))
      .sort((a, b) => a.revision - b.revision);
    const tail = written[written.length - 1]!;
    return { stream, revision: tail.revision, position: tail.position, events: written, duplicate: false };
  }

  async streamRevision(stream: string): Promise<StreamRevision> {
    await this.init();
    const { rows } = await this.pool.query<{ revision: string }>(
      `SELECT revision FROM ${this.schema}.streams WHERE stream = $1`,
      [stream],
    );
    return rows.length === 0 ? 'no_stream' : Number(rows[0]!.revision);
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

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
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

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async findByIds(ids: string[], client: pg.Pool | pg.PoolClient = this.pool): Promise<StoredEvent[]> {
    const { rows } = await client.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.schema}.events WHERE id = ANY($1::text[])`, [ids]);
    return rows.map(toEvent);
  }

  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

function toPosition(row: { transaction_id: string; global_position: string }): Position {
  return { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) };
}

function toEvent(row: EventRow): StoredEvent {
  return new RecordedEvent(row.stream, Number(row.revision), toPosition(row), row.id, row.type, row.data, row.metadata);
}
