import { parentPort, workerData } from 'node:worker_threads';
import type { LedgerConfig } from '../config/ledger.config.js';
import { openEventStore } from '../event-store/event-store.factory.js';
import { openReadModelSql } from './read-model.factory.js';
import { ProjectionRunner, runnerOptions } from './projection.runner.js';
import { PROJECTION_VERSION, ProjectionRegistry, ReadModelTables } from './read-model.schema.js';
import { yieldToRequests } from './runner-priority.js';

/** What the runner's thread tells the server: batches for the metrics, failures for the log. */
export type RunnerMessage =
  | { readonly type: 'batch'; readonly events: number; readonly checkpointEvents: number }
  | { readonly type: 'failed'; readonly error: string };

/**
 * The projection runner in a thread of its own, with its own connections: folding and rating
 * take no time from the event loop that serves requests. `stop` lets the batch in hand commit.
 */
const port = parentPort!;
const config = workerData as LedgerConfig;
yieldToRequests(config.projectionNice);
const post = (message: RunnerMessage): void => port.postMessage(message);
const abort = new AbortController();
port.on('message', (message) => {
  if (message === 'stop') abort.abort();
});

const store = await openEventStore(config);
const { sql, namespace } = openReadModelSql(config);
try {
  const registry = new ProjectionRegistry(namespace);
  const runner = new ProjectionRunner(store, sql, new ReadModelTables(namespace, PROJECTION_VERSION), registry, runnerOptions(config));
  await runner.init();
  await runner.followRetrying(
    abort.signal,
    (report) => post({ type: 'batch', events: report.events, checkpointEvents: runner.position.events }),
    (error) => post({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
} finally {
  await sql.close();
  await store.close();
  port.close();
}
