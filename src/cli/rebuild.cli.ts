import { SingleBar, Presets } from 'cli-progress';
import type { Clock } from '../common/clock.js';
import { loadConfig } from '../config/ledger.config.js';
import { Projections } from '../read-models/projections.js';
import { openLedger } from './ledger-context.js';

/** Drops this version's read models and replays the log from position 0 in `workers` threads, with a progress bar on a terminal. */
export function rebuild(clock: Clock, workers?: number): Promise<void> {
  return run(clock, true, workers);
}

/** Catches the read models up from their checkpoints: what a restarted server does. */
export function project(clock: Clock, workers?: number): Promise<void> {
  return run(clock, false, workers);
}

/**
 * Runs `workers` projection threads that take their share of the partitions and follow the log
 * until SIGINT or SIGTERM, as a server's do, without serving HTTP: a machine that only projects.
 */
export async function follow(clock: Clock, workers?: number): Promise<void> {
  const config = loadConfig();
  const ledger = await openLedger({ ...config, projectionWorkers: workers ?? config.projectionWorkers }, { clock, follow: true });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await ledger.close();
}

async function run(clock: Clock, reset: boolean, workers?: number): Promise<void> {
  const config = loadConfig();
  const threads = workers ?? config.projectionWorkers;
  const ledger = await openLedger(config, { clock });
  try {
    const projections = ledger.get(Projections);
    const bar = process.stderr.isTTY ? new SingleBar({ format: `${reset ? 'rebuild' : 'catch up'} {value} events | {speed} ev/s`, stream: process.stderr }, Presets.shades_classic) : undefined;
    const started = performance.now();
    bar?.start(0, 0, { speed: 0 });
    const onProgress = (events: number) => bar?.update(events, { speed: Math.round(events / ((performance.now() - started) / 1000)) });
    const { events } = reset ? await projections.rebuild({ workers: threads, onProgress }) : await projections.catchUp({ workers: threads, onProgress });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${reset ? 'rebuilt' : 'caught up'} ${projections.tables.version}: ${events} events in ${seconds.toFixed(1)} s with ${threads} worker${threads > 1 ? 's' : ''}\n`);
  } finally {
    await ledger.close();
  }
}
