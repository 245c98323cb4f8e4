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
