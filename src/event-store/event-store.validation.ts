import { canonicalJson } from '../../projections/shared/canonical-json.js';
import { EventIdConflict, InvalidEventStoreInput, WrongExpectedRevision } from './event-store.errors.js';
import type {
  AppendResult,
  EventInput,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  StreamRevision,
} from './event-store.port.js';

export const MAX_BATCH = 10_000;
const MAX_NAME = 512;

/** An append as the adapters write it: validated, with its JSON already encoded once. */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export function validateStream(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new InvalidEventStoreInput('STREAM_NAME_INVALID', 'stream name must be a non-empty string', 'stream');
  }
  if (stream.length > MAX_NAME || stream.startsWith('$') || /[\u0000-\u001f]/.test(stream)) {
    throw new InvalidEventStoreInput(
      'STREAM_NAME_INVALID',
      `stream name must be at most ${MAX_NAME} characters, not start with $, and have no control characters`,
      'stream',
    );
  }
}

export function validateExpected(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (!isRevision(expected)) {
    throw new InvalidEventStoreInput(
      'REVISION_INVALID',
      `expected revision must be 'any', 'no_stream', 'stream_exists' or a whole number >= 0, got ${String(expected)}`,
      'expected',
    );
  }
}

function isRevision(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Validates a whole batch before anything is written, and encodes each event's JSON once. */
export function encodeAppend(stream: unknown, events: unknown, expected: unknown): EncodedEvent[] {
  validateStream(stream);
  validateExpected(expected);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventStoreInput('EVENTS_EMPTY', 'an append needs at least one event', 'events');
  }
  if (events.length > MAX_BATCH) {
    throw new InvalidEventStoreInput('BATCH_TOO_LARGE', `an append takes at most ${MAX_BATCH} events`, 'events');
  }
  const seen = new Set<string>();
  const inside: unknown[] = [];
  return events.map((event: Partial<EventInput>, index) => {
    const at = `events[${index}]`;
    if (typeof event?.id !== 'string' || event.id.length === 0 || event.id.length > MAX_NAME) {
      throw new InvalidEventStoreInput('EVENT_ID_INVALID', `${at}.id must be a non-empty string`, `${at}.id`);
    }
    if (seen.has(event.id)) {
      throw new InvalidEventStoreInput('EVENT_ID_INVALID', `${at}.id ${event.id} appears twice in one append`, `${at}.id`);
    }
    seen.add(event.id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > MAX_NAME) {
      throw new InvalidEventStoreInput('EVENT_TYPE_INVALID', `${at}.type must be a non-empty string`, `${at}.type`);
    }
    if (!jsonSafe(event.data, inside)) assertJson(event.data, `${at}.data`, 'EVENT_DATA_INVALID');
    if (event.data === undefined) {
      throw new InvalidEventStoreInput('EVENT_DATA_INVALID', `${at}.data is missing`, `${at}.data`);
    }
    const metadata = event.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidEventStoreInput('EVENT_METADATA_INVALID', `${at}.metadata must be an object`, `${at}.metadata`);
    }
    if (!jsonSafe(metadata, inside)) assertJson(metadata, `${at}.metadata`, 'EVENT_METADATA_INVALID');
    return { id: event.id, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(metadata) };
  });
}

/**
 * Only values that survive a JSON round trip unchanged may be stored: what an auditor replays
 * must be exactly what was appended. Undefined object members are allowed (JSON omits them).
 * Every append is checked: this walk builds no path, `assertJson` names the field once it fails.
 */
function jsonSafe(value: unknown, inside: unknown[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (inside.includes(value)) return false;
      inside.push(value);
      let safe = true;
      if (Array.isArray(value)) {
        for (let i = 0; safe && i < value.length; i++) safe = value[i] !== undefined && jsonSafe(value[i], inside);
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        safe = proto === Object.prototype || proto === null;
        const record = value as Record<string, unknown>;
        if (safe) for (const key of Object.keys(record)) if (!(safe = jsonSafe(record[key], inside))) break;
      }
      inside.pop();
      return safe;
    }
    default:
      return false;
  }
}

/** Throws for the first member of a value that `jsonSafe` refuses, naming it. */
function assertJson(value: unknown, path: string, code: string, seen: unknown[] = []): void {
  const fail = (why: string): never => {
    throw new InvalidEventStoreInput(code, `${path} ${why}`, path);
  };
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail('is not a finite number');
      return;
    case 'object': {
      if (value === null) return;
      if (seen.includes(value)) fail('is circular');
      const proto = Object.getPrototypeOf(value) as unknown;
      if (Array.isArray(value)) {
        // Holes too: JSON writes them as null.
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) fail(`[${i}] is undefined`);
          assertJson(value[i], `${path}[${i}]`, code, [...seen, value]);
        }
        return;
      }
      if (proto !== Object.prototype && proto !== null) fail(`is a ${value.constructor?.name ?? 'class instance'}, not plain data`);
      for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`, code, [...seen, value]);
      return;
    }
    default:
      fail(`is a ${typeof value}, which JSON cannot hold`);
  }
}

export function validateReadStream(stream: string, options: ReadStreamOptions): void {
  validateStream(stream);
  if (options.from !== undefined && !isRevision(options.from)) {
    throw new InvalidEventStoreInput('REVISION_INVALID', `from must be a whole number >= 0, got ${String(options.from)}`, 'from');
  }
  validateCount(options.maxCount, 'maxCount');
}

export function validateReadAll(options: ReadAllOptions): void {
  validateCount(options.maxCount, 'maxCount');
  validateCount(options.batchSize, 'batchSize');
}

function validateCount(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
    throw new InvalidEventStoreInput('COUNT_INVALID', `${field} must be a whole number > 0, got ${value}`, field);
  }
}

/**
 * Decides what an append whose ids are (partly) stored already is. All stored, in the same
 * stream, with the same type and data, in order: a retry, answered with the original
 * positions. Anything else reusing an id: a conflict. Metadata is not compared: a retry
 * legitimately carries a new recordedAt and correlation id.
 */
export function resolveRetry(stream: string, incoming: readonly EncodedEvent[], stored: readonly StoredEvent[]): AppendResult | undefined {
  if (stored.length === 0) return undefined;
  const byId = new Map(stored.map((event) => [event.id, event]));
  const original = incoming.map((event) => {
    const found = byId.get(event.id);
    if (!found) {
      throw new EventIdConflict(stored[0]!.id, 'part of this append is already stored and part is not');
    }
    if (found.stream !== stream) throw new EventIdConflict(event.id, `already stored in stream ${found.stream}`);
    if (found.type !== event.type) throw new EventIdConflict(event.id, `already stored as ${found.type}`);
    if (canonicalJson(found.data) !== canonicalJson(JSON.parse(event.data))) {
      throw new EventIdConflict(event.id, 'already stored with different data');
    }
    return found;
  });
  original.forEach((event, i) => {
    if (i > 0 && event.revision !== original[i - 1]!.revision + 1) {
      throw new EventIdConflict(event.id, 'already stored, but not as part of the same append');
    }
  });
  const last = original[original.length - 1]!;
  return {
    stream,
    revision: last.revision,
    position: last.position,
    events: original.map(({ id, revision, position }) => ({ id, revision, position })),
    duplicate: true,
  };
}

export function meetsExpected(expected: ExpectedRevision, current: StreamRevision): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && current === 'no_stream') ||
    (expected === 'stream_exists' && current !== 'no_stream') ||
    expected === current
  );
}

export function checkExpected(stream: string, expected: ExpectedRevision, current: StreamRevision): void {
  if (!meetsExpected(expected, current)) throw new WrongExpectedRevision(stream, expected, current);
}
