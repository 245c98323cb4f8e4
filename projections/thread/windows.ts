import { isoOf, parseInstant } from '../time/zone-calendar.js';
import type { Windows } from './thread.types.js';

/**
 * The windows of a thread at a later instant, with no event in between: only expiry can change
 * them, so a stored snapshot answers "open now" without a re-fold.
 */
export function windowsLater(snapshot: Windows, at: number): Windows {
  const open = (expiresAt: string | null) => expiresAt !== null && at < parseInstant(expiresAt, 'expiresAt');
  return {
    at: isoOf(at),
    customerService: open(snapshot.customerService.expiresAt) ? snapshot.customerService : { open: false, expiresAt: null },
    conversations: snapshot.conversations.filter((c) => open(c.expiresAt)),
    freeEntryPoint: open(snapshot.freeEntryPoint.expiresAt) ? snapshot.freeEntryPoint : { open: false, expiresAt: null },
  };
}

/** The last instant any window of the snapshot is open until, or null when none is open. */
export function openUntil(snapshot: Windows): number | null {
  const expiries = [snapshot.customerService.expiresAt, snapshot.freeEntryPoint.expiresAt, ...snapshot.conversations.map((c) => c.expiresAt)]
    .filter((e): e is string => e !== null)
    .map((e) => parseInstant(e, 'expiresAt'));
  return expiries.length ? Math.max(...expiries) : null;
}

export function anyOpen(windows: Windows): boolean {
  return windows.customerService.open || windows.freeEntryPoint.open || windows.conversations.length > 0;
}
