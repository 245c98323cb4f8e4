import { parentPort, workerData } from 'node:worker_threads';
import { AccountDirectory } from '../accounts/account-directory.js';
import { systemClock } from '../common/clock.js';
import { createLogger } from '../common/logger.js';
import type { LedgerConfig } from '../config/ledger.config.js';
import { openEventStore } from '../event-store/event-store.factory.js';
import { openInboxSql } from '../read-models/read-model.factory.js';
import { yieldToRequests } from '../read-models/processor/runner-priority.js';
import { InboxState } from './inbox-state.js';
import { followInbox, inboxLease } from './inbox-follower.js';
import { InboxProcessor } from './inbox.processor.js';

/** What the inbox thread tells the server: how many items stay parked, for the gauge. */
export interface InboxMessage {
  readonly type: 'parked';
  readonly count: number;
}

/**
 * The inbox processor in a thread of its own, with its own connections: planning and appending
 * each payload's commands takes nothing from the event loop that acknowledges Meta's requests.
 * Niced like the projection runner's threads, so that under load the acknowledgements go first and
 * the inbox catches up as it eases. `stop` lets the page in hand finish.
 */
const port = parentPort!;
const config = workerData as LedgerConfig;
const abort = new AbortController();
port.on('message', (message) => {
  if (message === 'stop') abort.abort();
});

yieldToRequests(config.projectionNice);
const logger = createLogger();
const store = await openEventStore(config);
const { sql, namespace } = openInboxSql(config);
try {
  const state = new InboxState(sql, namespace);
  await state.init();
  const processor = new InboxProcessor(store, new AccountDirectory(store), state, systemClock, logger, (count) => port.postMessage({ type: 'parked', count } satisfies InboxMessage));
  await followInbox(processor, await inboxLease(sql, namespace, config.projectionLeaseMs), abort.signal, logger, config.projectionLeaseMs);
} finally {
  await sql.close();
  await store.close();
  port.close();
}
