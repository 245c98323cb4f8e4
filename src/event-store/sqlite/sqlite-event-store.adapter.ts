import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { WrongExpectedRevision } from '../event-store.errors.js';
import type {
  AppendOptions,
  AppendResult,
  AppendWrite,
  EventInput,
  StoredEvent,
  StreamHead,
  StreamRevision,
} from '../event-store.port.js';
import { EventStore, RecordedEvent } from '../event-store.port.js';
import { chainOf, linkAfter } from '../event-chain.js';
import { checkExpected, encodeAppend, meetsExpected, resolveRetry } from '../event-store.validation.js';
import type { EncodedEvent } from '../event-store.validation.js';
import type { Position } from '../position.js';
import { START } from '../position.js';

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  readonly file: string;
  /** FULL by default: a ledger must not lose an acknowledged append on power loss. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

interface Planned {
  readonly stream: string;
  readonly events: EncodedEvent[];
  readonly options: AppendOptions;
}

interface Queued {
  readonly writes: Planned[];
  /** appendMany: all its writes or none. */
  readonly atomic: boolean;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

type Outcome = { readonly results: AppendResult[] } | { readonly error: unknown };

type Row = [position: number | bigint, stream: string, revision: number, id: string, type: string, data: string, metadata: string, chain: string | null];

const COLUMNS = 'position, stream, revision, id, type, data, metadata, chain';

/**
 * The embedded default. SQLite serialises writers, so row ids are assigned in commit order
 * and the row id alone is the global position.
 */
export class SqliteEventStore extends EventStore {
  readonly name = 'sqlite';
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly lastRevision: Database.Statement;
  private readonly linkAt: Database.Statement;
  private readonly byIds: Database.Statement;
  private readonly headAt: Database.Statement;
  private readonly byStreams: Database.Statement;
  private readonly anyId: Database.Statement;
  private readonly pageForwards: Database.Statement;
  private readonly pageBackwards: Database.Statement;
  private readonly pageAll: Database.Statement;
  private readonly many: Database.Transaction<(writes: Planned[]) => AppendResult[]>;
  private readonly single: Database.Transaction<(stream: string, events: EncodedEvent[], options: AppendOptions) => AppendResult>;
  private readonly group: Database.Transaction<(items: Queued[]) => Outcome[]>;
  private queue: Queued[] = [];

  constructor(options: SqliteOptions) {
    super();
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 10000');
    // Ids and stream names land at random places in their unique indexes: with SQLite's 2 MiB
    // default, a growing log reads index pages back for every batch (batch ingest +6 % at 64 MiB).
    this.db.pragma('cache_size = -65536');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position INTEGER PRIMARY KEY,
        stream TEXT NOT NULL,
        revision INTEGER NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        metadata TEXT NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events (id);
      CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
    `);
    // Logs recorded before chains existed gain the column; their events keep no link.
    const columns = this.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('events') as string[];
    if (!columns.includes('chain')) this.db.exec('ALTER TABLE events ADD COLUMN chain TEXT');
    this.insert = this.db.prepare(
      'INSERT INTO events (stream, revision, id, type, data, metadata, chain) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.linkAt = this.db.prepare('SELECT chain FROM events WHERE stream = ? AND revision = ?').pluck();
    this.headAt = this.db.prepare('SELECT revision, chain FROM events WHERE stream = ? AND position <= ? ORDER BY revision DESC LIMIT 1');
    this.lastRevision = this.db.prepare('SELECT MAX(revision) FROM events WHERE stream = ?').pluck();
    this.byIds = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))`).raw();
    this.byStreams = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream IN (SELECT value FROM json_each(?)) ORDER BY stream, revision`).raw();
    this.anyId = this.db.prepare('SELECT 1 FROM events WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1').pluck();
    this.pageForwards = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
      .raw();
    this.pageBackwards = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`)
      .raw();
    this.pageAll = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw();

    const append = (stream: string, events: EncodedEvent[], { expected }: AppendOptions): AppendResult => {
      const current = this.revisionOf(stream);
      checkExpected(stream, expected, current);
      return this.write(stream, events, current);
    };
    this.single = this.db.transaction(append);
    // Called inside an outer transaction, a transaction function runs as a savepoint: a write
    // that turns out to be a retry, or fails, rolls back alone and the others still commit.
    this.many = this.db.transaction((writes: Planned[]) =>
      writes.map(({ stream, events, options }) => this.settle(stream, events, () => this.single(stream, events, options))),
    );
    this.group = this.db.transaction((items: Queued[]) =>
      items.map((item): Outcome => {
        // Checked writes can fail only with the disk, and then the whole group rolls back.
        const checked = this.checked(item.writes);
        if (checked) return { results: checked.map((current, i) => this.write(item.writes[i]!.stream, item.writes[i]!.events, current)) };
        try {
          return { results: item.writes.length === 1 && !item.atomic ? [this.settleOne(item.writes[0]!)] : this.many(item.writes) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }

  private write(stream: string, events: readonly EncodedEvent[], current: StreamRevision): AppendResult {
    let revision = current === 'no_stream' ? -1 : current;
    // Inside the writing transaction: the head read here is the one this write continues.
    let link = linkAfter(revision, revision < 0 ? null : (this.linkAt.get(stream, revision) as string | null));
    const written = events.map((event) => {
      revision += 1;
      link = chainOf(link, stream, revision, event);
      const { lastInsertRowid } = this.insert.run(stream, revision, event.id, event.type, event.data, event.metadata, link);
      const seq = BigInt(lastInsertRowid);
      return { id: event.id, revision, position: { commit: seq, prepare: seq } };
    });
    const last = written[written.length - 1]!;
    return { stream, revision: last.revision, position: last.position, events: written, duplicate: false };
  }

  /**
   * Each write's current revision, when every write of an item is bound to succeed: no id is
   * stored already or repeated, and every expected revision holds. Those go in without a
   * savepoint each, which costs as much as the insert (about 12 µs). Anything else (a retry, a
   * conflict) takes the careful path, where a write that fails rolls back alone.
   */
  private checked(writes: readonly Planned[]): StreamRevision[] | undefined {
    const ids = new Set<string>();
    for (const { events } of writes) {
      for (const { id } of events) {
        if (ids.has(id)) return undefined;
        ids.add(id);
      }
    }
    if (this.anyId.get(JSON.stringify([...ids])) !== undefined) return undefined;
    const streams = new Map<string, StreamRevision>();
    const currents: StreamRevision[] = [];
    for (const { stream, events, options } of writes) {
      const current = streams.get(stream) ?? this.revisionOf(stream);
      if (!meetsExpected(options.expected, current)) return undefined;
      currents.push(current);
      streams.set(stream, (current === 'no_stream' ? -1 : current) + events.length);
    }
    return currents;
  }

  private settleOne({ stream, events, options }: Planned): AppendResult {
    return this.settle(stream, events, () => this.single(stream, events, options));
  }

  override async appendMany(writes: readonly AppendWrite[]): Promise<AppendResult[]> {
    const encoded = writes.map((write) => ({
      stream: write.stream,
      events: encodeAppend(write.stream, write.events, write.expected),
      options: { expected: write.expected },
    }));
    return this.enqueue(encoded, true);
  }

  /**
   * Group commit: appends that arrive while the event loop is busy share one transaction, so
   * one fsync acknowledges them all; each keeps its own savepoint, outcome and error.
   */
  private enqueue(writes: Planned[], atomic: boolean): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ writes, atomic, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      // IMMEDIATE takes the write lock before any revision is read, so two processes sharing
      // the file cannot both pass an expected-revision check.
      outcomes = this.group.immediate(items);
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      if ('error' in outcome) items[i]!.reject(outcome.error);
      else items[i]!.resolve(outcome.results);
    });
  }

  async append(stream: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult> {
    const encoded = encodeAppend(stream, events, options?.expected);
    const [result] = await this.enqueue([{ stream, events: encoded, options }], false);
    return result!;
  }

  private settle(stream: string, encoded: EncodedEvent[], write: () => AppendResult): AppendResult {
    try {
      return write();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) && !isUniqueViolation(error)) throw error;
      const retry = resolveRetry(stream, encoded, this.findByIds(encoded.map((e) => e.id)));
      if (retry) return retry;
      throw error;
    }
  }

  override async headsAt(streams: readonly string[], upTo: Position): Promise<Map<string, StreamHead>> {
    const heads = new Map<string, StreamHead>();
    for (const stream of streams) {
      const row = this.headAt.get(stream, upTo.commit) as { revision: number; chain: string | null } | undefined;
      if (row) heads.set(stream, { revision: row.revision, link: row.chain });
    }
    return heads;
  }

  override async eventsIn(stream: string, ids: readonly string[]): Promise<StoredEvent[]> {
    return this.findByIds([...ids])
      .filter((event) => event.stream === stream)
      .sort((a, b) => a.revision - b.revision);
  }

  async streamRevision(stream: string): Promise<StreamRevision> {
    return this.revisionOf(stream);
  }

  protected async readStreamPage(stream: string, from: number, direction: 'forwards' | 'backwards', limit: number): Promise<StoredEvent[]> {
    const statement = direction === 'forwards' ? this.pageForwards : this.pageBackwards;
    return (statement.all(stream, from, limit) as Row[]).map(toEvent);
  }

  async readAllPage(after: Position, limit: number): Promise<StoredEvent[]> {
    return (this.pageAll.all(after.commit, limit) as Row[]).map(toEvent);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  override async lastPosition(): Promise<Position> {
    const last = this.db.prepare('SELECT MAX(position) FROM events').pluck().get() as number | null;
    return last === null ? START : { commit: BigInt(last), prepare: BigInt(last) };
  }

  override async *readRange(from: string, to: string, upTo: Position, batchSize = 1_000): AsyncGenerator<StoredEvent[]> {
    const page = this.db.prepare(
      // The key alone bounds the scan from below; a bound on `stream` besides it would restart every page from `from`.
      `SELECT ${COLUMNS} FROM events WHERE (stream, revision) > (?, ?) AND stream < ? AND position <= ? ORDER BY stream, revision LIMIT ?`,
    ).raw();
    let stream = from;
    let revision = -1;
    for (;;) {
      const rows = page.all(stream, revision, to, upTo.commit, batchSize) as Row[];
      if (!rows.length) return;
      yield rows.map(toEvent);
      const last = rows[rows.length - 1]!;
      stream = last[1];
      revision = last[2];
    }
  }

  /** From the stream index alone. */
  override async streamNames(from: string, to: string, upTo: Position): Promise<string[]> {
    return this.db.prepare('SELECT stream FROM events WHERE stream >= ? AND stream < ? AND revision = 0 AND position <= ? ORDER BY stream').pluck().all(from, to, upTo.commit) as string[];
  }

  override async countUpTo(upTo: Position): Promise<number> {
    return this.db.prepare('SELECT COUNT(*) FROM events WHERE position <= ?').pluck().get(upTo.commit) as number;
  }

  override async unread(after: Position, cap = 1_000_000): Promise<{ readonly events: number; readonly oldest: StoredEvent | undefined }> {
    const events = this.db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE position > ? LIMIT ?)').pluck().get(after.commit, cap) as number;
    const [oldest] = await this.readAllPage(after, 1);
    return { events, oldest };
  }

  override async readStreams(streams: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const found = new Map<string, StoredEvent[]>();
    for (const row of this.byStreams.all(JSON.stringify(streams)) as Row[]) {
      const event = toEvent(row);
      let events = found.get(event.stream);
      if (!events) found.set(event.stream, (events = []));
      events.push(event);
    }
    return found;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private revisionOf(stream: string): StreamRevision {
    const max = this.lastRevision.get(stream) as number | null;
    return max === null ? 'no_stream' : max;
  }

  private findByIds(ids: string[]): StoredEvent[] {
    return (this.byIds.all(JSON.stringify(ids)) as Row[]).map(toEvent);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toEvent([position, stream, revision, id, type, data, metadata, chain]: Row): StoredEvent {
  const seq = BigInt(position);
  return new RecordedEvent(stream, revision, { commit: seq, prepare: seq }, id, type, data, metadata, chain ?? undefined);
}
