import type { Category } from '../policies/policy.js';
import type { Decision } from '../thread/thread.types.js';

/** A window a thread had open, as a bar on a time axis. */
export interface WindowBar {
  readonly kind: 'customer_service' | 'conversation' | 'free_entry_point';
  readonly from: string;
  readonly to: string;
  /** A conversation's category, and the unit it is. */
  readonly category?: Category;
  readonly unitId?: string;
}

/**
 * The windows a thread's fold had open, from the state after each of its decisions: a customer
 * service or free-entry-point window from the step that opened it to its last expiry (a restart
 * inside it extends the same bar), and each conversation from its opening to its expiry.
 */
export function windowBars(decisions: readonly Decision[]): WindowBar[] {
  const bars: WindowBar[] = [];
  const runs = { customer_service: undefined as { from: string; to: string } | undefined, free_entry_point: undefined as { from: string; to: string } | undefined };
  const conversations = new Map<string, WindowBar>();
  const close = (kind: keyof typeof runs) => {
    const run = runs[kind];
    if (run) bars.push({ kind, ...run });
    runs[kind] = undefined;
  };
  for (const decision of decisions) {
    const { customerService, freeEntryPoint } = decision.after;
    for (const [kind, window] of [['customer_service', customerService], ['free_entry_point', freeEntryPoint]] as const) {
      if (!window.open || window.expiresAt === null) continue;
      const run = runs[kind];
      if (run && decision.at < run.to) run.to = window.expiresAt > run.to ? window.expiresAt : run.to;
      else {
        close(kind);
        runs[kind] = { from: decision.at, to: window.expiresAt };
      }
    }
    for (const open of decision.after.conversations) {
      if (!conversations.has(open.unitId)) conversations.set(open.unitId, { kind: 'conversation', from: open.openedAt, to: open.expiresAt, category: open.category, unitId: open.unitId });
    }
  }
  close('customer_service');
  close('free_entry_point');
  return [...bars, ...conversations.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.kind < b.kind ? -1 : 1));
}
