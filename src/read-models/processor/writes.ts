import type { Param, Sql } from '../sql.js';

/**
 * The writes of one batch, queued while the batch is computed outside any transaction and
 * applied in order inside a short one: a worker holds the read models' write lock only while it
 * writes, so workers sharing one SQLite file fold and rate in parallel.
 */
export class Writes {
  private readonly queued: ((tx: Sql) => Promise<void>)[] = [];

  get size(): number {
    return this.queued.length;
  }

  run(sql: string, params: readonly Param[] = []): void {
    this.queued.push((tx) => tx.run(sql, params));
  }

  insertMany(table: string, columns: readonly string[], rows: readonly Param[][], conflict?: string): void {
    if (rows.length) this.queued.push((tx) => tx.insertMany(table, columns, rows, conflict));
  }

  async apply(tx: Sql): Promise<void> {
    for (const write of this.queued) await write(tx);
  }
}
