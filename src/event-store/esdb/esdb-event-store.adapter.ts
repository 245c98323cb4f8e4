import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { AppendExpectedRevision, ResolvedEvent } from '@eventstore/db-client';
import { v5 as uuidv5 } from 'uuid';
import { WrongExpectedRevision } from '../event-store.errors.js';
import type { AppendOptions, AppendResult, EventInput, StoredEvent, StreamRevision } from '../event-store.port.js';
import { EventStore } from '../event-store.port.js';
import { encodeAppend, resolveRetry } from '../event-store.validation.js';
import type { EncodedEvent } from '../event-store.validation.js';
import type { Position } from '../position.js';
import { START } from '../position.js';

/** EventStoreDB wants UUID event ids; the ledger's ids are natural keys, mapped by UUIDv5. */
const NAMESPACE = '6f1d3a52-8c0e-4b8e-9a57-3f2d1c0b9e41';
const ID_KEY = 'ledgerEventId';

/**
 * EventStoreDB keeps stream revisions and $all positions itself. Its own idempotency is
 * best-effort (a cache window), so retries are recognised by looking the ids up in the target
 * stream. Ids are therefore unique per stream here, not across streams: the ledger's ids embed
 * their stream's natural key, so that is the scope that matters.
 */
export class EsdbEventStore extends EventStore {
  readonly name = 'esdb';
  readonly client: EventStoreDBClient;

  constructor(connectionString: string) {
    super();
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async append(stream: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult> {
    const encoded = encodeAppend(stream, events, options?.expected);
    const already = await this.findInStream(stream, encoded);
    const retry = resolveRetry(stream, encoded, already);
    if (retry) return retry;
    try {
      const result = await this.client.appendToStream(
        stream,
        encoded.map((event) =>
          jsonEvent({
            id: uuidv5(event.id, NAMESPACE),
            type: event.type,
            data: JSON.parse(event.data) as Record<string, unknown>,
            metadata: { ...(JSON.parse(event.metadata) as Record<string, unknown>), [ID_KEY]: event.id },
          }),
        ),
        { expectedRevision: toEsdbExpected(options.expected) },
      );
      const last = Number(result.nextExpectedRevision);
      const written = await this.readStreamPage(stream, last - encoded.length + 1, 'forwards', encoded.length);
      return {
        stream,
        revision: last,
        position: written[written.length - 1]!.position,
        events: written.map(({ id, revision, position }) => ({ id, revision, position })),
        duplicate: false,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const raced = resolveRetry(stream, encoded, await this.findInStream(stream, encoded));
      if (raced) return raced;
      const actual = error.actualVersion;
      throw new WrongExpectedRevision(stream, options.expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
    }
  }

  async streamRevision(stream: string): Promise<StreamRevision> {
    const [last] = await this.readStreamPage(stream, Number.MAX_SAFE_INTEGER, 'backwards', 1);
    return last ? last.revision : 'no_stream';
  }

  protected async readStreamPage(stream: string, from: number, direction: 'forwards' | 'backwards', limit: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        fromRevision: from === Number.MAX_SAFE_INTEGER ? 'end' : BigInt(from),
        maxCount: limit,
      });
      for await (const resolved of read) {
        const event = toEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAllPage(after: Position, limit: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let from = after;
    // $all also holds system events: keep reading until a user event or the end.
    for (;;) {
      const read = this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: limit + 1 });
      let seen = 0;
      let last: Position | undefined;
      for await (const resolved of read) {
        seen += 1;
        const position = resolved.event?.position;
        if (!position) continue;
        last = position;
        if (position.commit === after.commit && position.prepare === after.prepare) continue;
        const event = toEvent(resolved);
        if (event && events.length < limit) events.push(event);
      }
      if (events.length > 0 || seen <= 1 || !last) return events;
      from = last;
    }
  }

  /** The last user event of $all, read backwards past system events. */
  override async lastPosition(): Promise<Position> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END })) {
      const event = toEvent(resolved);
      if (event) return event.position;
    }
    return START;
  }

  async ping(): Promise<void> {
    for await (const _ of this.client.readAll({ maxCount: 1 })) break;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private async findInStream(stream: string, events: readonly EncodedEvent[]): Promise<StoredEvent[]> {
    const ids = new Set(events.map((e) => e.id));
    const found: StoredEvent[] = [];
    for await (const event of this.readStream(stream)) if (ids.has(event.id)) found.push(event);
    return found;
  }
}

function toEsdbExpected(expected: AppendOptions['expected']): AppendExpectedRevision {
  return typeof expected === 'number' ? BigInt(expected) : expected;
}

function toEvent(resolved: ResolvedEvent): StoredEvent | undefined {
  const event = resolved.event;
  if (!event || event.streamId.startsWith('$') || event.type.startsWith('$') || !event.position || !event.isJson) return undefined;
  const { [ID_KEY]: id, ...metadata } = (event.metadata ?? {}) as Record<string, unknown>;
  return {
    stream: event.streamId,
    revision: Number(event.revision),
    position: { commit: event.position.commit, prepare: event.position.prepare },
    id: typeof id === 'string' ? id : event.id,
    type: event.type,
    data: event.data,
    metadata,
  };
}
