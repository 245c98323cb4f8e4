import type { Clock } from '../common/clock.js';
import type { FailureRecord } from '../read-models/failures/failure-log.js';
import { Projections } from '../read-models/projections.js';
import { print, withLedger } from './ledger-job.js';

/** Lists what the projections could not process, oldest first. */
export async function listFailures(clock: Clock, options: { json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const failures = await ledger.get(Projections).failures();
    if (options.json) return print({ failures });
    if (!failures.length) return process.stdout.write('no projection failures\n');
    for (const failure of failures) process.stdout.write(`${describe(failure)}\n`);
  });
}

/** Asks for failures to be folded or rated again and reports what still fails; exit 1 when any does. */
export async function retryFailures(clock: Clock, options: { failure?: string[]; all?: boolean; json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const outcome = await ledger.get(Projections).retry(options.all ? 'all' : (options.failure ?? []), true);
    if (outcome.remaining.length) process.exitCode = 1;
    if (options.json) return print(outcome);
    const cleared = outcome.requested.filter((id) => !outcome.remaining.some((f) => f.id === id));
    process.stdout.write(`retried ${outcome.requested.length}: ${cleared.length} cleared, ${outcome.remaining.length} still failing\n`);
    for (const failure of outcome.remaining) process.stdout.write(`${describe(failure)}\n`);
  });
}

function describe(f: FailureRecord): string {
  const blocks = f.blocks.map((b) => `${b.wabaId} ${b.period}`).join(', ') || 'nothing';
  return [
    `${f.id}  ${f.code}  partition ${f.partition}  ${f.kind} ${f.subject}`,
    `  ${f.message}`,
    `  at ${f.position}${f.eventType ? ` (${f.eventType})` : ''}; first seen ${f.firstSeen}, last seen ${f.lastSeen}, ${f.attempts} attempt${f.attempts > 1 ? 's' : ''}`,
    `  blocks ${blocks}`,
  ].join('\n');
}
