import type { BillableUnit } from '../thread/thread.types.js';
import { text } from '../shared/compare.js';
import { HOUR, parseInstant } from '../time/zone-calendar.js';

/**
 * Puts units from threads folded one after another back into charge order (opening instant,
 * then id) for the rater. Threads arrive in order of their first event, so once a thread
 * starting at T is folded, no later thread can open a unit before T: every unit before that
 * hour can be released. Memory holds the units of the threads still open, not the month.
 */
export class ChargeOrder {
  private readonly buckets = new Map<number, { unit: BillableUnit; at: number }[]>();
  private lowest = Number.POSITIVE_INFINITY;

  constructor(private readonly sink: (unit: BillableUnit, at: number) => void) {}

  push(unit: BillableUnit): void {
    const at = parseInstant(unit.openedAt);
    const hour = Math.floor(at / HOUR);
    if (hour < this.lowest) this.lowest = hour;
    const bucket = this.buckets.get(hour);
    if (bucket) bucket.push({ unit, at });
    else this.buckets.set(hour, [{ unit, at }]);
  }

  /** Releases every unit that opened in an hour wholly before `watermark`. */
  release(watermark: number): void {
    const limit = Math.floor(watermark / HOUR);
    if (limit <= this.lowest) return;
    const ready = [...this.buckets.keys()].filter((h) => h < limit).sort((a, b) => a - b);
    for (const hour of ready) {
      const bucket = this.buckets.get(hour)!;
      this.buckets.delete(hour);
      bucket.sort((a, b) => a.at - b.at || text(a.unit.id, b.unit.id));
      for (const { unit, at } of bucket) this.sink(unit, at);
    }
    this.lowest = Number.POSITIVE_INFINITY;
    for (const hour of this.buckets.keys()) if (hour < this.lowest) this.lowest = hour;
  }

  flush(): void {
    this.release(Number.POSITIVE_INFINITY);
  }

  get held(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.length;
    return n;
  }
}
