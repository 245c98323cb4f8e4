#!/usr/bin/env node
import { Command, Option } from 'commander';
import { systemClock } from './common/clock.js';
import { replay, ReplayLineError, replaySummary } from './cli/replay.cli.js';
import { project, rebuild } from './cli/rebuild.cli.js';

const program = new Command('ledger').description('The Conversation Ledger: replay, rebuild and audit WhatsApp Business messaging costs');

program
  .command('replay')
  .description('Run the ledger on a throwaway embedded store over NDJSON input: canonical commands or Meta webhook payloads, one per line')
  .addOption(new Option('--input <file>', 'an NDJSON file; repeat for several, read in order').argParser((value: string, previous: string[] = []) => [...previous, value]).makeOptionMandatory())
  .option('--as-of <instant>', 'leave out lines recorded after this instant (their "recordedAt")')
  .option('--skip-invalid', 'report bad lines and go on, instead of stopping at the first')
  .option('--json', 'print one JSON document: { units, invoices }')
  .action(async (options: { input: string[]; asOf?: string; skipInvalid?: boolean; json?: boolean }) => {
    try {
      const result = await replay({ inputs: options.input, asOf: options.asOf, skipInvalid: options.skipInvalid, clock: systemClock });
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${replaySummary(result)}\n`);
    } catch (error) {
      if (!(error instanceof ReplayLineError)) throw error;
      process.stderr.write(`replay stopped at ${error.input} line ${error.line}: ${error.reason}\n`);
      process.exitCode = 2;
    }
  });

program
  .command('project')
  .description('Bring the read models up to the end of the log (store from the environment), then exit')
  .action(async () => {
    await project(systemClock);
  });

program
  .command('rebuild')
  .description("Replay the whole log from position 0 into this engine version's read models (store from the environment, as the server)")
  .action(async () => {
    await rebuild(systemClock);
  });

await program.parseAsync();
