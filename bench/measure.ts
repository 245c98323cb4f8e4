import pg from 'pg';

export const seconds = (since: number): number => (performance.now() - since) / 1000;

/** RSS, and the heap live after a full collection when run with --expose-gc (what the process holds, not its garbage). */
export function memory(): string {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return `rss ${Math.round(rss / 2 ** 20)} MiB, live heap ${Math.round(heapUsed / 2 ** 20)} MiB`;
}

/** One statement on its own connection: a benchmark's set-up or clean-up of a PostgreSQL schema. */
export async function psql(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
