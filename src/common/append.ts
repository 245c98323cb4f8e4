import { EventIdConflict } from '../event-store/event-store.errors.js';
import type { AppendResult, AppendWrite, EventStore } from '../event-store/event-store.port.js';
import { resolveRetry } from '../event-store/event-store.validation.js';
import { formatPosition } from '../event-store/position.js';
import { LedgerError } from './ledger-error.js';

/** A write a command decided on, with what to say if its natural key is already taken by other content. */
export interface PlannedWrite extends AppendWrite {
  readonly conflict: { readonly code: string; readonly field: string; readonly what: string };
  /** The ids these events had before ids were scoped to their account, one per event: a retry of an event recorded then is a duplicate too. */
  readonly former?: readonly string[];
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
    eventId: result.events[result.events.length - 1]?.id ?? write.events[write.events.length - 1]!.id,
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

/**
 * The original append of a write whose events the log holds under their former ids, in the
 * write's own stream: the retry of a command first recorded before ids were scoped. An event
 * under such an id in another stream is another tenant's, and none of this write's business.
 * Former ids are never written again, so nothing can add one between this read and the append.
 */
export async function formerAppend(store: EventStore, write: PlannedWrite): Promise<AppendResult | undefined> {
  const former = write.former;
  if (!former) return undefined;
  const stored = await store.eventsIn(write.stream, former);
  return resolveRetry(write.stream, write.events.map((event, i) => ({ id: former[i]!, type: event.type, data: JSON.stringify(event.data), metadata: '{}' })), stored);
}

export async function appendPlanned(store: EventStore, write: PlannedWrite): Promise<Appended> {
  try {
    return appended(write, (await formerAppend(store, write)) ?? (await store.append(write.stream, write.events, { expected: write.expected })));
  } catch (error) {
    throw explainConflict(write, error);
  }
}
