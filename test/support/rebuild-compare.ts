import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { comparePositions } from '../../src/event-store/position.js';
import { prepareVersion, rebuildContext, resetVersion } from '../../src/read-models/ledger-processor.js';
import { allPartitions } from '../../src/read-models/processor/partitions.js';
import { dumpReadModels } from '../../src/read-models/read-model.dump.js';
import { PROJECTION_VERSION } from '../../src/read-models/read-model.schema.js';
import { planRebuild } from '../../src/read-models/rebuild/rebuild-plan.js';
import { finishRebuild, rebuildWorker } from '../../src/read-models/rebuild/rebuild.js';
import type { Sql } from '../../src/read-models/sql.js';

/**
 * The read models that processes kept live equal, line for line, those one process rebuilds from
 * the same log into a version of their own. Answers how many unit lines they hold.
 */
export async function assertEqualsRebuild(store: EventStore, sql: Sql, namespace: string, config: LedgerConfig): Promise<number> {
  const reference = 'one-process-rebuild';
  await resetVersion(sql, namespace, reference);
  const context = await rebuildContext({ store, sql, namespace, tuning: config, version: reference });
  const plan = await planRebuild(store, 1, allPartitions());
  const events = (await rebuildWorker(context, allPartitions(), plan.ranges[0]!, plan.end)).events;
  await finishRebuild(sql, context.tables, context.leases, plan, events, async () => undefined);
  const { tables } = await prepareVersion(sql, namespace, PROJECTION_VERSION, config);
  const live = await dumpReadModels(sql, tables);
  const single = await dumpReadModels(sql, context.tables);
  const only = (a: string[], b: string[]) => a.filter((line) => !b.includes(line)).map((line) => line.slice(0, 300));
  assert.deepEqual({ live: only(live, single), single: only(single, live) }, { live: [], single: [] });
  return live.filter((line) => line.startsWith('["unit"')).length;
}

/** Waits (up to a minute) until every partition has folded all `total` events of the log and rated them. */
export async function untilCaughtUpAndRated(sql: Sql, namespace: string, config: LedgerConfig, total: number): Promise<void> {
  const { tables } = await prepareVersion(sql, namespace, PROJECTION_VERSION, config);
  for (let i = 0; ; i++) {
    const checkpoints = [...(await tables.checkpoints.read(sql)).values()];
    if (checkpoints.every((c) => c.events === total && comparePositions(c.rated, c.position) === 0)) return;
    assert.ok(i < 600, `the read models must catch up with the ${total} events`);
    await sleep(100);
  }
}
