import { Worker } from 'node:worker_threads';

/** Partitions dealt out to `workers` threads, round robin, so that each gets as many of every range. */
export function deal(partitions: readonly number[], workers: number): number[][] {
  const hands = Array.from({ length: Math.min(workers, partitions.length) }, (): number[] => []);
  partitions.forEach((p, i) => hands[i % hands.length]!.push(p));
  return hands;
}

/**
 * Runs one thread per task and settles when all have ended: with the last message of each, or
 * with the first error, once every thread has stopped.
 */
export async function runThreads<T extends { readonly type: string }>(entry: URL, tasks: readonly unknown[], onMessage?: (message: T, thread: number) => void): Promise<T[]> {
  const outcomes = await Promise.allSettled(
    tasks.map(
      (task, thread) =>
        new Promise<T>((resolve, reject) => {
          const worker = new Worker(entry, { workerData: task });
          let last: T | undefined;
          worker.on('message', (message: T) => {
            if (message.type === 'done') last = message;
            else onMessage?.(message, thread);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (last && code === 0 ? resolve(last) : reject(new Error(`a projection thread ended with code ${code} before it was done`))));
        }),
    ),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<T>).value);
}
