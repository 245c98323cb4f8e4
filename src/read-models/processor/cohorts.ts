import type { Position } from '../../event-store/position.js';
import { comparePositions } from '../../event-store/position.js';
import type { Sql } from '../sql.js';
import type { Checkpoint, Checkpoints } from './checkpoints.js';
import type { Projector, ProjectorFactory } from './projector.js';

/** How far a cohort has read. */
export interface Reading {
  readonly position: Position;
  readonly events: number;
  readonly settings: Position;
}

/** Partitions a worker holds at one position: one read of the log serves them all. */
export interface Cohort {
  readonly partitions: Set<number>;
  readonly checkpoints: Map<number, Checkpoint>;
  at: Reading;
  projector: Projector;
  sinceSettle: number;
  settledAt: number;
  /** Its partitions are marked caught up once, which switches the version live when all are. */
  marked: boolean;
  caughtUp: boolean;
}

/**
 * The cohorts of a worker, lowest position first. A partition taken over at another position
 * than the others starts a cohort of its own, catches up and joins them where they stand. Any
 * change reopens the projectors from the tables: what they hold in memory is for their partitions.
 */
export class Cohorts {
  list: Cohort[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly checkpoints: Checkpoints,
    private readonly factory: ProjectorFactory,
  ) {}

  get lowest(): Cohort | undefined {
    return this.list[0];
  }

  /** Where the next cohort stands: the lowest reads up to there, then the two merge. */
  get next(): Position | undefined {
    return this.list[1]?.at.position;
  }

  async add(partitions: readonly number[]): Promise<void> {
    if (!partitions.length) return;
    for (const [p, checkpoint] of await this.checkpoints.read(this.sql, partitions)) {
      const cohort = this.list.find((c) => comparePositions(c.at.position, checkpoint.position) === 0);
      if (cohort) {
        cohort.partitions.add(p);
        cohort.checkpoints.set(p, checkpoint);
        // The partition joining may not be marked caught up yet: the next batch marks them all.
        cohort.marked = false;
        continue;
      }
      // Its projector is opened by `reopen`, below.
      this.list.push({ partitions: new Set([p]), checkpoints: new Map([[p, checkpoint]]), at: checkpoint, projector: undefined!, sinceSettle: 0, settledAt: Number.NEGATIVE_INFINITY, marked: false, caughtUp: false });
    }
    await this.reopen();
  }

  async remove(partitions: readonly number[]): Promise<void> {
    if (!partitions.length) return;
    for (const cohort of this.list) {
      for (const p of partitions) {
        cohort.partitions.delete(p);
        cohort.checkpoints.delete(p);
      }
    }
    this.list = this.list.filter((c) => c.partitions.size > 0);
    await this.reopen();
  }

  clear(): void {
    this.list = [];
  }

  /** Two cohorts that reached the same position read on as one. */
  async merge(): Promise<void> {
    this.sort();
    const [a, b] = this.list;
    if (!a || !b || comparePositions(a.at.position, b.at.position) !== 0) return;
    for (const [p, c] of b.checkpoints) {
      a.partitions.add(p);
      a.checkpoints.set(p, c);
    }
    a.marked &&= b.marked;
    a.caughtUp &&= b.caughtUp;
    this.list.splice(1, 1);
    await this.reopen();
  }

  /** Every cohort starts again from its partitions' checkpoints, with its state read back from the tables. */
  async reopen(): Promise<void> {
    for (const cohort of this.list) {
      for (const [p, c] of await this.checkpoints.read(this.sql, [...cohort.partitions])) cohort.checkpoints.set(p, c);
      const first = cohort.checkpoints.values().next().value!;
      cohort.at = first;
      cohort.projector = await this.factory.open(cohort.partitions, first);
      cohort.sinceSettle = 0;
    }
    this.sort();
  }

  private sort(): void {
    this.list.sort((a, b) => comparePositions(a.at.position, b.at.position));
  }
}
