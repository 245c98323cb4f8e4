export const seconds = (since: number): number => (performance.now() - since) / 1000;

/** RSS, and the heap live after a full collection when run with --expose-gc (what the process holds, not its garbage). */
export function memory(): string {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return `rss ${Math.round(rss / 2 ** 20)} MiB, live heap ${Math.round(heapUsed / 2 ** 20)} MiB`;
}
