import type { ExpectedRevision, StreamRevision } from './event-store.port.js';

/** Every store failure carries a stable `code`; the HTTP layer maps codes to problem+json. */
export class EventStoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidEventStoreInput extends EventStoreError {}

export class WrongExpectedRevision extends EventStoreError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision,
  ) {
    super(
      'WRONG_EXPECTED_REVISION',
      `stream ${stream}: expected ${String(expected)}, actual ${String(actual)}`,
      'expected',
    );
  }
}

export class EventIdConflict extends EventStoreError {
  constructor(
    readonly eventId: string,
    reason: string,
  ) {
    super('EVENT_ID_CONFLICT', `event ${eventId}: ${reason}`, 'id');
  }
}

/**
 * The store cannot be reached or did not answer in time. Nothing is known to be appended:
 * a client retries with the same ids, and a write that did commit is then a duplicate.
 */
export class StoreUnavailable extends EventStoreError {
  constructor(override readonly cause: unknown) {
    super('STORE_UNAVAILABLE', `the store is unreachable or did not answer in time (${describe(cause)}); retry with the same ids`);
  }
}

/** Concurrent writers kept colliding (deadlocks, serialization failures) after the store's own retries. */
export class StoreBusy extends EventStoreError {
  constructor(override readonly cause: unknown) {
    super('STORE_BUSY', `the store is busy with conflicting writes (${describe(cause)}); retry with the same ids`);
  }
}

/** SQLSTATE classes and socket errors that say the connection, not the request, failed. */
const LOST_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '25P03', '08000', '08001', '08003', '08004', '08006', '08007', '08P01']);
const LOST_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const LOST_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|Cannot use a pool after calling end/;
/** Deadlocks and serialization failures: retrying the transaction is the documented answer. */
const CONTENDED_STATES = new Set(['40P01', '40001']);

/** What a raw driver error means for a client: the store is away, it is contended, or neither. */
export function storeTrouble(error: unknown): 'unavailable' | 'busy' | undefined {
  if (error instanceof StoreUnavailable) return 'unavailable';
  if (error instanceof StoreBusy) return 'busy';
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONTENDED_STATES.has(code)) return 'busy';
  if (typeof code === 'string' && code === 'SQLITE_BUSY') return 'busy';
  if (typeof code === 'string' && (LOST_STATES.has(code) || LOST_SOCKET.has(code))) return 'unavailable';
  if (typeof message === 'string' && LOST_MESSAGE.test(message)) return 'unavailable';
  return undefined;
}

function describe(cause: unknown): string {
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  return [code, message].filter((part) => typeof part === 'string' && part).join(': ') || String(cause);
}
