import { SingleBar, Presets } from 'cli-progress';
import type { Clock } from '../common/clock.js';
import { loadConfig } from '../config/ledger.config.js';
import { ProjectionRunner } from '../read-models/projection.runner.js';
import { openLedger } from './ledger-context.js';

/** Drops this version's read models and replays the log from position 0, with a progress bar on a terminal. */
export function rebuild(clock: Clock): Promise<void> {
  return run(clock, true);
}

/** Catches the read models up from their checkpoint: what a restarted runner does. */
export function project(clock: Clock): Promise<void> {
  return run(clock, false);
}

async function run(clock: Clock, reset: boolean): Promise<void> {
  const ledger = await openLedger(loadConfig(), { clock });
  try {
    const runner = ledger.get(ProjectionRunner);
    if (reset) await runner.reset();
    const bar = process.stderr.isTTY ? new SingleBar({ format: 'rebuild {value} events | {speed} ev/s', stream: process.stderr }, Presets.shades_classic) : undefined;
    const started = performance.now();
    bar?.start(0, 0, { speed: 0 });
    await runner.catchUp(() => {
      const events = runner.position.events;
      bar?.update(events, { speed: Math.round(events / ((performance.now() - started) / 1000)) });
    });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${reset ? 'rebuilt' : 'caught up'} ${runner.tables.version}: ${runner.position.events} events in ${seconds.toFixed(1)} s\n`);
  } finally {
    await ledger.close();
  }
}
