import type { Position } from '../../event-store/position.js';
import { comparePositions, formatPosition, parsePosition, START } from '../../event-store/position.js';
import type { Sql } from '../sql.js';
import { bare, inList } from '../sql.js';

export interface Checkpoint {
  readonly position: Position;
  /** Deferred work (drafts) reflects every event up to here; behind `position` while some waits. */
  readonly rated: Position;
  /** Events of the log up to `position`, every partition's or not. */
  readonly events: number;
  /** Where shared state (accounts, numbers, cards, maps) last changed: a reader holding it reloads it when this moves. */
  readonly settings: Position;
}

export const EMPTY: Checkpoint = { position: START, rated: START, events: 0, settings: START };

/** The checkpoint furthest behind, by its position or by where its drafts stand. */
export function lowest(checkpoints: Iterable<Checkpoint>, field: 'position' | 'rated' = 'position'): Checkpoint | undefined {
  let low: Checkpoint | undefined;
  for (const c of checkpoints) if (!low || comparePositions(c[field], low[field]) < 0) low = c;
  return low;
}

interface Row {
  partition: number;
  position: string;
  rated: string;
  events: number | string;
  settings: string;
}

/** One checkpoint per partition, written in the transaction of the batch it ends. */
export class Checkpoints {
  constructor(readonly table: string) {}

  async create(sql: Sql, count: number): Promise<void> {
    await sql.run(`CREATE TABLE IF NOT EXISTS ${this.table} (partition INTEGER PRIMARY KEY, position TEXT NOT NULL, rated TEXT NOT NULL, events BIGINT NOT NULL, settings TEXT NOT NULL, caught_up INTEGER NOT NULL)`);
    const start = formatPosition(START);
    const rows = Array.from({ length: count }, (_, p) => [p, start, start, 0, start, 0]);
    await sql.insertMany(this.table, ['partition', 'position', 'rated', 'events', 'settings', 'caught_up'], rows, 'ON CONFLICT DO NOTHING');
  }

  /** Every partition's checkpoint, or those asked for. */
  async read(sql: Sql, partitions?: readonly number[]): Promise<Map<number, Checkpoint>> {
    const where = partitions ? ` WHERE partition IN (${inList(partitions.length)})` : '';
    if (partitions && !partitions.length) return new Map();
    const rows = await sql.all<Row>(`SELECT partition, position, rated, events, settings FROM ${this.table}${where}`, partitions ?? []);
    return new Map(rows.map((r) => [Number(r.partition), { position: parsePosition(r.position), rated: parsePosition(r.rated), events: Number(r.events), settings: parsePosition(r.settings) }]));
  }

  async write(tx: Sql, checkpoints: ReadonlyMap<number, Checkpoint>, caughtUp: boolean): Promise<void> {
    const rows = [...checkpoints].map(([p, c]) => [p, formatPosition(c.position), formatPosition(c.rated), c.events, formatPosition(c.settings), caughtUp ? 1 : 0]);
    await tx.insertMany(
      this.table,
      ['partition', 'position', 'rated', 'events', 'settings', 'caught_up'],
      rows,
      `ON CONFLICT (partition) DO UPDATE SET position = excluded.position, rated = excluded.rated, events = excluded.events, settings = excluded.settings,
       caught_up = CASE WHEN excluded.caught_up = 1 THEN 1 ELSE ${bare(this.table)}.caught_up END`,
    );
  }

  /** Whether every partition has caught up with the log once: the version can serve reads. */
  async allCaughtUp(tx: Sql): Promise<boolean> {
    const [row] = await tx.all<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${this.table} WHERE caught_up = 0`);
    return Number(row?.n ?? 0) === 0;
  }
}
