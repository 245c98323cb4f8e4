import { loadConfig } from '../src/config/ledger.config.js';
import { openEventStore } from '../src/event-store/event-store.factory.js';
import { START } from '../src/event-store/position.js';
import { openProcessor } from '../src/read-models/ledger-processor.js';
import { Projections } from '../src/read-models/projections.js';
import { readModelChecksum } from '../src/read-models/read-model.dump.js';
import { PROJECTION_VERSION, ReadModelTables } from '../src/read-models/read-model.schema.js';
import { openReadModelSql } from '../src/read-models/read-model.factory.js';

/**
 * One measured run of bench:rebuild, in a process of its own so that its peak RSS is its own:
 * `floor` reads the log and decodes every event's data on one core; `rebuild N` rebuilds with N
 * workers; `incremental` catches up from nothing as the runner follows the log, on one core.
 * Prints one JSON line: seconds, events, peak RSS and the read models' checksum.
 */
const [mode, workers] = [process.argv[2], Number(process.argv[3] ?? 1)];
const config = loadConfig();
const store = await openEventStore(config);
const { sql, namespace } = openReadModelSql(config);
const clock = () => new Date();
const started = performance.now();
let events = 0;
let checksum: string | undefined;
if (mode === 'floor') {
  let after = START;
  for (;;) {
    const page = await store.readAllPage(after, config.projectionBatch);
    if (!page.length) break;
    for (const event of page) if (event.data === undefined) throw new Error(`event ${event.id} has no data`);
    events += page.length;
    after = page[page.length - 1]!.position;
  }
} else if (mode === 'rebuild') {
  const projections = new Projections(store, sql, namespace, config, clock, new ReadModelTables(namespace, PROJECTION_VERSION));
  events = (await projections.rebuild({ workers })).events;
} else {
  const { processor } = await openProcessor({ store, sql, namespace, tuning: config, claim: 'free', clock });
  await processor.catchUp();
  events = processor.reading?.events ?? 0;
  await processor.leave();
}
const seconds = (performance.now() - started) / 1000;
// The peak of the run itself: the checksum below reads every row.
const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
if (mode !== 'floor') checksum = await readModelChecksum(sql, new ReadModelTables(namespace, PROJECTION_VERSION));
await sql.close();
await store.close();
process.stdout.write(`${JSON.stringify({ seconds, events, rssMiB, checksum })}\n`);
