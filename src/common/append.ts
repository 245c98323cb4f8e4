import { EventIdConflict } from '../event-store/event-store.errors.js';
import type { AppendResult, AppendWrite, EventStore } from '../event-store/event-store.port.js';
import { formatPosition } from '../event-store/position.js';
import { LedgerError } from './ledger-error.js';

/** A write a command decided on, with what to say if its natural key is already taken by other content. */
export interface PlannedWrite extends AppendWrite {
  readonly conflict: { readonly code: string; readonly field: string; readonly what: string };
}

export interface Appended {
  readonly eventId: string;
  readonly stream: string;
  readonly revision: number;
  /** The log position: pass it as `minPosition` to a read to wait until the read reflects this write. */
  readonly position: string;
  readonly duplicate: boolean;
}

export function appended(write: AppendWrite, result: AppendResult): Appended {
  return {
    eventId: write.events[write.events.length - 1]!.id,
    stream: result.stream,
    revision: result.revision,
    position: formatPosition(result.position),
    duplicate: result.duplicate,
  };
}

export function explainConflict(write: PlannedWrite, error: unknown, prefix = ''): unknown {
  if (!(error instanceof EventIdConflict)) return error;
  return new LedgerError(write.conflict.code, `${write.conflict.what} was already recorded with other content: ${error.message}`, 409, `${prefix}${write.conflict.field}`);
}

export async function appendPlanned(store: EventStore, write: PlannedWrite): Promise<Appended> {
  try {
    return appended(write, await store.append(write.stream, write.events, { expected: write.expected }));
  } catch (error) {
    throw explainConflict(write, error);
  }
}
