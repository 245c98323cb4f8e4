import { parentPort, workerData } from 'node:worker_threads';
import type { LedgerConfig } from '../config/ledger.config.js';
import { openEventStore } from '../event-store/event-store.factory.js';
import { openReadModelSql } from './read-model.factory.js';
import { openProcessor, rebuildContext } from './ledger-processor.js';
import type { StreamRange } from './rebuild/rebuild-plan.js';
import { rebuildWorker } from './rebuild/rebuild.js';
import type { Position } from '../event-store/position.js';
import { yieldToRequests } from './processor/runner-priority.js';

/** What a projection thread is asked to do: follow the log as a server's worker, or catch up or rebuild some partitions and end. */
export type ProjectionTask =
  | { readonly kind: 'follow'; readonly config: LedgerConfig }
  | { readonly kind: 'catch-up'; readonly config: LedgerConfig; readonly partitions: readonly number[] }
  | { readonly kind: 'rebuild'; readonly config: LedgerConfig; readonly partitions: readonly number[]; readonly ranges: readonly StreamRange[]; readonly end: Position };

/** What a projection thread tells its parent. */
export type ProjectionMessage =
  | { readonly type: 'batch'; readonly events: number; readonly checkpointEvents: number }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'done'; readonly events: number };

/**
 * A worker of the projection processor in a thread of its own, with its own connections: folding
 * and rating take no time from the event loop that serves requests. `stop` lets the batch in
 * hand commit, then the thread gives its leases back.
 */
const port = parentPort!;
const task = workerData as ProjectionTask;
const { config } = task;
const post = (message: ProjectionMessage): void => port.postMessage(message);
const abort = new AbortController();
port.on('message', (message) => {
  if (message === 'stop') abort.abort();
});

const store = await openEventStore(config);
const { sql, namespace } = openReadModelSql(config);
try {
  const setup = { store, sql, namespace, tuning: config };
  if (task.kind === 'rebuild') {
    const report = (events: number) => post({ type: 'batch', events: 0, checkpointEvents: events });
    post({ type: 'done', ...(await rebuildWorker(await rebuildContext(setup), task.partitions, task.ranges, task.end, report)) });
  } else if (task.kind === 'catch-up') {
    const { processor } = await openProcessor({ ...setup, claim: task.partitions });
    await processor.catchUp((report) => post({ type: 'batch', events: report.events, checkpointEvents: processor.reading?.events ?? 0 }));
    const events = processor.reading?.events ?? 0;
    await processor.leave();
    post({ type: 'done', events });
  } else {
    yieldToRequests(config.projectionNice);
    const { processor } = await openProcessor({ ...setup, claim: 'share' });
    await processor.followRetrying(
      abort.signal,
      (report) => post({ type: 'batch', events: report.events, checkpointEvents: processor.reading?.events ?? 0 }),
      (error) => post({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
    await processor.leave();
  }
} finally {
  await sql.close();
  await store.close();
  port.close();
}
