import { streamWaba } from '../../../projections/events.js';
import type { EventStore, StoredEvent } from '../../event-store/event-store.port.js';
import { prefixEnd } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import { comparePositions } from '../../event-store/position.js';
import { EngineState } from '../settings/engine-state.js';
import { firstWaba } from '../threads/thread-history.js';

export const THREADS_FROM = 'thread-';
export const THREADS_TO = prefixEnd(THREADS_FROM);
const LAST = String.fromCodePoint(0x10ffff);

/** A run of threads of one portfolio, [from, to) by name, that one worker reads in one go. */
export interface StreamRange {
  readonly from: string;
  readonly to: string;
  readonly portfolio: string;
}

/** What a rebuild does, decided once from the settings and the names of the threads. */
export interface RebuildPlan {
  readonly end: Position;
  /** For each worker, the partitions it rebuilds. */
  readonly hands: readonly (readonly number[])[];
  /** For each worker, the runs of threads its partitions own, portfolio by portfolio. */
  readonly ranges: readonly (readonly StreamRange[])[];
  /** Threads whose WABA is not registered: they wait, as the runner would have them. */
  readonly orphans: readonly { readonly stream: string; readonly wabaId: string }[];
  /** Events up to `end` that are not in a thread some worker folds: settings, invoices, orphans'. */
  readonly otherEvents: number;
  /** The last setting up to `end`: where readers of the rebuilt models take theirs from. */
  readonly settings: Position;
}

/**
 * Everything but threads, in log order: accounts, numbers, cards and maps (and invoices). Few
 * events, read by stream name around the threads and put back in the order they were committed.
 */
export async function otherEvents(store: EventStore, end: Position): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (const [from, to] of [['', THREADS_FROM], [THREADS_TO, LAST]] as const) {
    for await (const batch of store.readRange(from, to, end)) for (const event of batch) events.push(event);
  }
  return events.sort((a, b) => comparePositions(a.position, b.position));
}

/**
 * Deals the threads of the log up to its end now to `workers` workers by partition: a thread
 * belongs to the partition of its number's WABA (its first event's, for a number not attached).
 * Partitions go to the workers with the fewest threads so far, largest first, so that each has
 * about as much to fold. Consecutive threads of one portfolio make one range, read in one go; a
 * worker reads a portfolio's ranges one after the other, so that it rates the portfolio from the
 * units in hand and its rows go in together.
 */
export async function planRebuild(store: EventStore, workers: number, partitions: readonly number[]): Promise<RebuildPlan> {
  const end = await store.lastPosition();
  const others = await otherEvents(store, end);
  const state = new EngineState();
  let settings = others[0]?.position ?? end;
  for (const event of others) {
    try {
      if (state.apply(event)) settings = event.position;
    } catch {
      continue;
    }
  }
  const runs: (StreamRange & { partition: number })[] = [];
  const threads = new Map<number, number>(partitions.map((p) => [p, 0]));
  const orphans: { stream: string; wabaId: string }[] = [];
  let otherCount = others.length;
  let open: { from: string; portfolio: string; partition: number } | undefined;
  const close = (to: string) => {
    if (open) runs.push({ ...open, to });
    open = undefined;
  };
  for (const stream of await store.streamNames(THREADS_FROM, THREADS_TO, end)) {
    const wabaId = streamWaba(stream) ?? (await firstWaba(store, stream));
    const account = wabaId === undefined ? undefined : state.accounts.get(wabaId);
    if (account?.portfolioId !== open?.portfolio) close(stream);
    if (account) {
      const partition = state.partitionOf(account.wabaId)!;
      threads.set(partition, (threads.get(partition) ?? 0) + 1);
      open ??= { from: stream, portfolio: account.portfolioId, partition };
      continue;
    }
    if (wabaId !== undefined) orphans.push({ stream, wabaId });
    otherCount += await countStream(store, stream, end);
  }
  close(THREADS_TO);
  const hands = Array.from({ length: Math.min(workers, partitions.length) }, () => ({ partitions: [] as number[], threads: 0 }));
  const workerOf = new Map<number, number>();
  for (const [partition, count] of [...threads].sort((a, b) => b[1] - a[1] || a[0] - b[0])) {
    const least = hands.reduce((low, hand, i) => (hand.threads < hands[low]!.threads ? i : low), 0);
    hands[least]!.partitions.push(partition);
    hands[least]!.threads += count;
    workerOf.set(partition, least);
  }
  const ranges = hands.map((): StreamRange[] => []);
  for (const { partition, ...range } of runs) ranges[workerOf.get(partition)!]!.push(range);
  for (const hand of ranges) hand.sort((a, b) => (a.portfolio < b.portfolio ? -1 : a.portfolio > b.portfolio ? 1 : a.from < b.from ? -1 : 1));
  return { end, hands: hands.map((h) => h.partitions.sort((a, b) => a - b)), ranges, orphans, otherEvents: otherCount, settings };
}

async function countStream(store: EventStore, stream: string, end: Position): Promise<number> {
  let count = 0;
  for await (const batch of store.readRange(stream, `${stream}\u0000`, end)) count += batch.length;
  return count;
}
