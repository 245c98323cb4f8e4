import type { EventInput } from '../event-store/event-store.port.js';
import type { Scope } from '../auth/scope.js';

export type Source = 'api' | 'webhook' | 'import' | 'job';

/** Who asks, through which door, and when the ledger heard it: the metadata of every event a command appends. */
export interface CommandContext {
  readonly scope: Scope;
  readonly source: Source;
  readonly correlationId: string;
  readonly recordedAt: string;
  /** Kept beside the event, never compared: Meta's original object, with fields the ledger does not model. */
  readonly raw?: unknown;
}

export const SCHEMA_VERSION = 1;

/**
 * The id of an event whose natural key another tenant may use too (a message id, a number id):
 * scoped to its WABA, so nothing one tenant sends collides with another's. `~` is in no ledger id.
 */
export const accountKey = (wabaId: string, naturalKey: string): string => `${wabaId}~${naturalKey}`;

/** The event id comes from the natural key, so a retried command finds the original append. */
export function ledgerEvent(type: string, naturalKey: string, data: object, context: CommandContext): EventInput {
  const eventId = eventIdOf(type, naturalKey);
  return {
    id: eventId,
    type,
    data,
    metadata: {
      eventId,
      recordedAt: context.recordedAt,
      actor: context.scope.actor,
      correlationId: context.correlationId,
      source: context.source,
      schemaVersion: SCHEMA_VERSION,
      ...(context.raw !== undefined ? { raw: context.raw } : {}),
    },
  };
}

export const eventIdOf = (type: string, naturalKey: string): string => `${type}:${naturalKey}`;
