import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { SYSTEM } from '../auth/scope.js';
import type { Clock } from '../common/clock.js';
import type { CommandContext } from '../common/command-context.js';
import { LedgerError } from '../common/ledger-error.js';
import { loadConfig } from '../config/ledger.config.js';
import { Projections } from '../read-models/projections.js';
import { openLedger } from './ledger-context.js';

/**
 * Opens the ledger on the store the environment names, brings the read models up to the end of
 * the log (the partitions a server's workers hold, by waiting for them), runs the job and closes.
 * A refusal prints its code and exits 2.
 */
export async function withLedger<T>(clock: Clock, job: (ledger: INestApplicationContext) => Promise<T>): Promise<T | undefined> {
  const ledger = await openLedger(loadConfig(), { clock });
  try {
    await ledger.get(Projections).catchUp();
    return await job(ledger);
  } catch (error) {
    return refused(error);
  } finally {
    await ledger.close();
  }
}

export function jobContext(clock: Clock, actor: string): CommandContext {
  return { scope: { ...SYSTEM, actor }, source: 'job', correlationId: randomUUID(), recordedAt: clock().toISOString() };
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * How the CLI ends on an error: a refusal (a LedgerError) or a file it cannot read is the
 * user's to fix, and prints one line and exits 2; anything else is the ledger's fault, and
 * prints its message and exits 1, with where it arose when LEDGER_DEBUG is set.
 */
export function cliFailure(error: unknown, debug = Boolean(process.env.LEDGER_DEBUG)): number {
  if (error instanceof LedgerError) {
    process.stderr.write(`${error.code}${error.field ? ` (${error.field})` : ''}: ${error.message}\n`);
    return 2;
  }
  const { code, path } = error as NodeJS.ErrnoException;
  if (path && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR')) {
    process.stderr.write(`FILE_UNREADABLE: ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'not a file'}\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`INTERNAL: ${message}\n${debug && error instanceof Error ? `${error.stack}\n` : '(LEDGER_DEBUG=1 prints where)\n'}`);
  return 1;
}

/** A refusal (a LedgerError) prints its code, field and reason and exits 2; anything else is a crash. */
export function refused(error: unknown): undefined {
  if (!(error instanceof LedgerError)) throw error;
  process.exitCode = cliFailure(error);
  return undefined;
}
