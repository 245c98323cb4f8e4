import type { StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import type { Sql } from '../sql.js';
import type { Checkpoint } from './checkpoints.js';
import type { Writes } from './writes.js';

export interface PageReport {
  /** Threads (or whatever the projections fold) the page made them fold. */
  readonly folded: number;
  /** Whether the page changed state every partition shares (settings): readers reload theirs. */
  readonly shared: boolean;
}

/** What the processor drives for one cohort of partitions at one position. It knows billing; the processor does not. */
export interface Projector {
  /** One page of the log in commit order: routes what belongs to the cohort's partitions, folds it and queues the writes. */
  page(events: readonly StoredEvent[], end: Position, writes: Writes): Promise<PageReport>;
  /** Partitions whose deferred work (stage 2) waits. */
  readonly waiting: ReadonlySet<number>;
  /** Does the deferred work of every waiting partition and queues its writes. */
  settle(end: Position, writes: Writes): Promise<Settled>;
  /** The writes queued so far are committed. */
  committed(): void;
}

export interface Settled {
  /** Results written (drafts). */
  readonly written: number;
  /** Of the groups settled, those done by extending what was kept from the last time rather than from scratch. */
  readonly incremental: number;
}

export interface ProjectorFactory {
  /** The projector of these partitions at this checkpoint, its state read back from the tables. */
  open(partitions: ReadonlySet<number>, at: Checkpoint): Promise<Projector>;
}

/** Which read-model version is live, and its switch. */
export interface VersionSwitch {
  status(sql: Sql): Promise<string | undefined>;
  goLive(tx: Sql): Promise<void>;
}
