import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority to `nice`, never raising it. On Linux a nice value
 * belongs to one thread, so the runner's thread gives way to the event loop that acknowledges
 * appends; elsewhere it belongs to the whole process, which must not slow down, so nothing is
 * changed there. Answers the thread's nice value when it was applied.
 */
export function yieldToRequests(nice: number, platform: NodeJS.Platform = process.platform): number | undefined {
  if (platform !== 'linux' || nice === 0) return undefined;
  // Thread id 0 is the calling thread; the process id would be the main thread's.
  if (getPriority(0) < nice) setPriority(0, nice);
  return getPriority(0);
}
