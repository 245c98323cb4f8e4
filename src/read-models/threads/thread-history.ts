import type { Positioned, ThreadEvent } from '../../../projections/events.js';
import type { EventStore, StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import { comparePositions, formatPosition } from '../../event-store/position.js';

export const THREAD_TYPES: ReadonlySet<string> = new Set(['MessageReceived', 'MessageSent', 'MessageDelivered', 'MessageRead', 'MessageFailed']);
export const INVOICE_TYPES: ReadonlySet<string> = new Set(['InvoiceIssued', 'InvoiceRevised', 'InvoiceVoided']);

/** A stored thread event as the engine takes it, with its position for the audit trail. */
export function toPositioned(event: StoredEvent): Positioned {
  return { type: event.type as ThreadEvent['type'], data: event.data, position: formatPosition(event.position) } as Positioned;
}

/** A thread's events from the log, up to a position when one is given: what the read models had folded. */
export async function threadHistory(store: EventStore, stream: string, upTo?: Position): Promise<Positioned[]> {
  const events: Positioned[] = [];
  for await (const event of store.readStream(stream)) {
    if (upTo && comparePositions(event.position, upTo) > 0) break;
    events.push(toPositioned(event));
  }
  return events;
}

/** Several threads' histories in one read of the log, each up to a position as `threadHistory` reads it. */
export async function threadHistories(store: EventStore, streams: readonly string[], upTo: Position): Promise<Map<string, Positioned[]>> {
  const histories = new Map<string, Positioned[]>();
  for (const [stream, events] of await store.readStreams(streams)) {
    const beyond = events.findIndex((event) => comparePositions(event.position, upTo) > 0);
    histories.set(stream, (beyond < 0 ? events : events.slice(0, beyond)).map(toPositioned));
  }
  return histories;
}

/** The WABA a thread's first event names: whose thread it is when its number is not attached. */
export async function firstWaba(store: EventStore, stream: string): Promise<string | undefined> {
  for await (const event of store.readStream(stream, { maxCount: 1 })) {
    const wabaId = (event.data as { wabaId?: unknown } | null)?.wabaId;
    return typeof wabaId === 'string' ? wabaId : undefined;
  }
  return undefined;
}
