import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Leases, workerName } from '../read-models/processor/leases.js';
import type { Sql } from '../read-models/sql.js';
import type { InboxProcessor } from './inbox.processor.js';

/** Items parked for want of an account or number are looked at this often. */
const WAITING_EVERY_MS = 1_000;

/** The one lease that lets a process follow the inbox: servers sharing a store take turns, never both at once. */
export async function inboxLease(sql: Sql, namespace: string, ttlMs: number): Promise<Leases> {
  const lease = new Leases(sql, namespace, 'inbox', 1, workerName(), ttlMs, 'inbox');
  await lease.create();
  return lease;
}

/**
 * Follows the inbox while this process holds its lease: each payload as it arrives, and the
 * waiting items each second. Every write of the processor is idempotent, so a lease that ran out
 * under a stalled holder costs the next one some repeated work, never a wrong record.
 */
export async function followInbox(processor: InboxProcessor, lease: Leases, signal: AbortSignal, logger: Logger, ttlMs: number): Promise<void> {
  let held = new Map<number, number>();
  let keptAt = 0;
  let waitingAt = 0;
  try {
    while (!signal.aborted) {
      let idle = 50;
      try {
        if (Date.now() - keptAt >= ttlMs / 3) {
          held = (await lease.keep(held, 'free')).held;
          keptAt = Date.now();
        }
        if (!held.size) idle = WAITING_EVERY_MS;
        else {
          if ((await processor.drain(500)) > 0) idle = 0;
          if (Date.now() >= waitingAt) {
            waitingAt = Date.now() + WAITING_EVERY_MS;
            await processor.retryWaiting();
          }
        }
      } catch (error) {
        logger.warn({ err: error }, 'inbox processing paused; trying again');
        idle = 1_000;
      }
      if (idle) await sleep(idle, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    await lease.leave().catch((error: unknown) => logger.warn({ err: error }, 'the inbox lease could not be given back; it runs out by itself'));
  }
}
