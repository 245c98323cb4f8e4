import { setTimeout as sleep } from 'node:timers/promises';
import type { Position } from './position.js';
import { comparePositions, START } from './position.js';
import { validateReadAll, validateReadStream } from './event-store.validation.js';

/**
 * Stream revisions count from 0 (the first event of a stream is revision 0), as in
 * EventStoreDB. A stream with no events has no revision: 'no_stream'.
 */
export type StreamRevision = number | 'no_stream';
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventInput<T = unknown> {
  /** Derived from the natural key by the caller, so a retried append can be recognised. */
  readonly id: string;
  readonly type: string;
  readonly data: T;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface StoredEvent<T = unknown> {
  readonly stream: string;
  readonly revision: number;
  readonly position: Position;
  readonly id: string;
  readonly type: string;
  readonly data: T;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The event's link in its stream's chain (event-chain.ts); absent on stores without chains and on events recorded before them. */
  readonly chain?: string;
}

export interface StreamHead {
  readonly revision: number;
  readonly link: string | null;
}

export interface AppendedEvent {
  readonly id: string;
  readonly revision: number;
  readonly position: Position;
}

export interface AppendResult {
  readonly stream: string;
  /** Revision of the last event of this append (or of the original append, for a retry). */
  readonly revision: number;
  readonly position: Position;
  readonly events: readonly AppendedEvent[];
  /** True when every event was already stored: nothing was appended. */
  readonly duplicate: boolean;
}

export interface AppendOptions {
  readonly expected: ExpectedRevision;
}

export interface AppendWrite {
  readonly stream: string;
  readonly events: readonly EventInput[];
  readonly expected: ExpectedRevision;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Revision to start from, inclusive. Default: the first event forwards, the last backwards. */
  readonly from?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: the beginning. */
  readonly after?: Position;
  readonly batchSize?: number;
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  readonly after?: Position;
  readonly batchSize?: number;
  /** How long to wait before asking again once caught up. */
  readonly idleMs?: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_BATCH = 1_000;
const PAGE = 500;

/**
 * The port every adapter implements. Also the Nest injection token. Batching, streaming
 * reads and the catch-up subscription are written once here on top of two primitives.
 */
export abstract class EventStore {
  abstract readonly name: string;

  abstract append(stream: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult>;

  /**
   * Several appends, each with append's rules (a retry is a duplicate, not an error). SQLite
   * and PostgreSQL commit them in one transaction: all or none. This default, used by
   * EventStoreDB, which has no multi-stream transaction, writes them one after another.
   */
  async appendMany(writes: readonly AppendWrite[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (const write of writes) results.push(await this.append(write.stream, write.events, { expected: write.expected }));
    return results;
  }

  abstract streamRevision(stream: string): Promise<StreamRevision>;

  /** One page of a stream; `from` is inclusive. */
  protected abstract readStreamPage(
    stream: string,
    from: number,
    direction: 'forwards' | 'backwards',
    limit: number,
  ): Promise<StoredEvent[]>;

  /**
   * Up to `limit` events after `after`, in commit order. Must never return an event while an
   * event before it in that order may still appear (an uncommitted transaction).
   */
  abstract readAllPage(after: Position, limit: number): Promise<StoredEvent[]>;

  abstract ping(): Promise<void>;

  /** Where the log ends now: the position of its last event, START when it is empty. */
  async lastPosition(): Promise<Position> {
    let last = START;
    for await (const batch of this.readAllBatches({ batchSize: 5_000 })) last = batch[batch.length - 1]!.position;
    return last;
  }

  /**
   * The events of the streams whose names fall in [from, to), stream by stream in name order, each
   * in revision order, up to a position: a stream's events come together (a batch may end inside
   * one). This default reads the log once for the names, then each stream; adapters with an index
   * on stream names answer from it.
   */
  async *readRange(from: string, to: string, upTo: Position, batchSize = DEFAULT_BATCH): AsyncGenerator<StoredEvent[]> {
    let batch: StoredEvent[] = [];
    for (const stream of await this.streamNames(from, to, upTo)) {
      for await (const event of this.readStream(stream)) {
        if (comparePositions(event.position, upTo) > 0) continue;
        batch.push(event);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length) yield batch;
  }

  /** The names of the streams in [from, to) that began at or before a position, in name order. */
  async streamNames(from: string, to: string, upTo: Position): Promise<string[]> {
    const names = new Set<string>();
    for await (const batch of this.readAllBatches({ batchSize: 5_000 })) {
      for (const event of batch) if (comparePositions(event.position, upTo) <= 0 && event.stream >= from && event.stream < to) names.add(event.stream);
    }
    return [...names].sort();
  }

  /** How many events the log holds up to a position. */
  async countUpTo(upTo: Position): Promise<number> {
    let count = 0;
    for await (const batch of this.readAllBatches({ batchSize: 5_000 })) {
      for (const event of batch) {
        if (comparePositions(event.position, upTo) > 0) return count;
        count += 1;
      }
    }
    return count;
  }

  /**
   * What a reader at `after` has not read yet: how many committed events (counted up to `cap`)
   * and the oldest of them, including those it may not take yet (on PostgreSQL, rows above the
   * horizon of a transaction still running elsewhere): lag as the log's head sees it.
   */
  async unread(after: Position, cap = 1_000_000): Promise<{ readonly events: number; readonly oldest: StoredEvent | undefined }> {
    let events = 0;
    let oldest: StoredEvent | undefined;
    for await (const batch of this.readAllBatches({ after, batchSize: 5_000, maxCount: cap })) {
      oldest ??= batch[0];
      events += batch.length;
    }
    return { events, oldest };
  }

  /**
   * The head each stream's own record keeps (its revision and last link), where the store keeps
   * one apart from the events (PostgreSQL's `streams`): what tells the deletion of a stream's
   * last events. None by default.
   */
  async streamHeads(_streams: readonly string[]): Promise<Map<string, { readonly revision: number; readonly link: string | null }>> {
    return new Map();
  }

  /** Each stream's last event at or before a position, its revision and link (null before chains): what an invoice's log digest is made of. */
  async headsAt(streams: readonly string[], upTo: Position): Promise<Map<string, StreamHead>> {
    const heads = new Map<string, StreamHead>();
    for (const stream of streams) {
      for await (const event of this.readStream(stream)) {
        if (comparePositions(event.position, upTo) > 0) break;
        heads.set(stream, { revision: event.revision, link: event.chain ?? null });
      }
    }
    return heads;
  }

  /** The events of one stream with any of these ids, in revision order. This default reads the stream; adapters look the ids up. */
  async eventsIn(stream: string, ids: readonly string[]): Promise<StoredEvent[]> {
    const wanted = new Set(ids);
    const found: StoredEvent[] = [];
    for await (const event of this.readStream(stream)) if (wanted.has(event.id)) found.push(event);
    return found;
  }

  /** Several whole streams, each in revision order (absent ones are left out): one read for a batch's threads. */
  async readStreams(streams: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const found = new Map<string, StoredEvent[]>();
    for (const stream of streams) {
      const events: StoredEvent[] = [];
      for await (const event of this.readStream(stream)) events.push(event);
      if (events.length) found.set(stream, events);
    }
    return found;
  }

  abstract close(): Promise<void>;

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<StoredEvent> {
    validateReadStream(stream, options);
    const direction = options.direction ?? 'forwards';
    let from = options.from ?? (direction === 'forwards' ? 0 : Number.MAX_SAFE_INTEGER);
    let left = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (left > 0 && from >= 0) {
      const limit = Math.min(PAGE, left);
      const page = await this.readStreamPage(stream, from, direction, limit);
      for (const event of page) yield event;
      // A short page is the stream's end: asking again would only find it empty.
      if (page.length < limit) return;
      left -= page.length;
      const last = page[page.length - 1]!.revision;
      from = direction === 'forwards' ? last + 1 : last - 1;
    }
  }

  /** Streams the whole log in batches: memory holds one batch, not the history. */
  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<StoredEvent> {
    for await (const batch of this.readAllBatches(options)) yield* batch;
  }

  async *readAllBatches(options: ReadAllOptions = {}): AsyncGenerator<StoredEvent[]> {
    validateReadAll(options);
    let after = options.after ?? START;
    const size = options.batchSize ?? DEFAULT_BATCH;
    let left = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      const batch = await this.readAllPage(after, Math.min(size, left));
      if (batch.length === 0) return;
      yield batch;
      left -= batch.length;
      after = batch[batch.length - 1]!.position;
    }
  }

  /**
   * Catch-up subscription: reads history from the checkpoint, then keeps polling for new
   * commits until the signal aborts. The caller's checkpoint is the position of the last
   * event it handled; the store's visibility rule guarantees nothing before it appears later.
   */
  async *subscribe(options: SubscribeOptions = {}): AsyncGenerator<StoredEvent[]> {
    validateReadAll(options);
    let after = options.after ?? START;
    const size = options.batchSize ?? DEFAULT_BATCH;
    const idle = options.idleMs ?? 100;
    while (!options.signal?.aborted) {
      const batch = await this.readAllPage(after, size);
      if (batch.length > 0) {
        yield batch;
        after = batch[batch.length - 1]!.position;
        continue;
      }
      try {
        await sleep(idle, undefined, { signal: options.signal });
      } catch (error) {
        if ((error as Error).name === 'AbortError') return;
        throw error;
      }
    }
  }
}

/**
 * A stored event whose JSON is decoded on first access. Reading the log is dominated by
 * JSON.parse; a consumer that routes or filters by stream and type pays only for what it reads.
 */
export class RecordedEvent implements StoredEvent {
  private decodedData: unknown;
  private decodedMetadata: Readonly<Record<string, unknown>> | undefined;

  constructor(
    readonly stream: string,
    readonly revision: number,
    readonly position: Position,
    readonly id: string,
    readonly type: string,
    /** Data and metadata exactly as stored: what the chain's links hash. */
    readonly rawData: string,
    readonly rawMetadata: string,
    readonly chain?: string,
  ) {}

  get data(): unknown {
    return (this.decodedData ??= JSON.parse(this.rawData) as unknown);
  }

  get metadata(): Readonly<Record<string, unknown>> {
    return (this.decodedMetadata ??= JSON.parse(this.rawMetadata) as Record<string, unknown>);
  }

  toJSON(): StoredEvent {
    const { stream, revision, position, id, type, data, metadata } = this;
    return { stream, revision, position, id, type, data, metadata };
  }
}

/** The first string after every string that starts with `prefix`: the end of its range of names. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
