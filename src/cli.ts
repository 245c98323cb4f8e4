#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { systemClock } from './common/clock.js';
import { replay, ReplayLineError, replaySummary } from './cli/replay.cli.js';
import { follow, project, rebuild } from './cli/rebuild.cli.js';
import { exportInvoice, issueInvoices, regenerateInvoices } from './cli/invoices.cli.js';
import { auditExplain, auditReplay, auditVerify, auditVerifyLog } from './cli/audit.cli.js';
import { runWhatIf } from './cli/what-if.cli.js';
import { importRateCard, listRateCards, withdrawRateCard } from './cli/rate-cards.cli.js';
import { listParked, redrive } from './cli/webhooks.cli.js';
import { listFailures, retryFailures } from './cli/projection.cli.js';
import type { Era } from '../projections/policies/policy.js';
import { cliFailure } from './cli/ledger-job.js';

const repeat = (value: string, previous: string[] = []) => [...previous, value];
const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const period = (value: string) => {
  if (!PERIOD.test(value)) throw new InvalidArgumentError('must be a month YYYY-MM');
  return value;
};
const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number from 1');
  return n;
};
const instant = (value: string) => {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('must be an ISO-8601 instant');
  return value;
};

const program = new Command('ledger')
  .description('The Conversation Ledger: replay, rebuild and audit WhatsApp Business messaging costs')
  // Set before the commands, which inherit it: a usage mistake is a refusal like any other (a code, a sentence, exit 2).
  .configureOutput({ outputError: (text, write) => write(`USAGE: ${text.replace(/^error: /, '')}`) })
  .exitOverride();

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
  .option('--workers <n>', 'threads sharing the partitions (default LEDGER_PROJECTION_WORKERS)', positive)
  .option('--follow', 'keep following the log, sharing the partitions with every other worker, until SIGINT or SIGTERM')
  .action(async (options: { workers?: number; follow?: boolean }) => {
    await (options.follow ? follow(systemClock, options.workers) : project(systemClock, options.workers));
  });

program
  .command('rebuild')
  .description("Replay the whole log from position 0 into this engine version's read models (store from the environment, as the server)")
  .option('--workers <n>', 'threads sharing the partitions (default LEDGER_PROJECTION_WORKERS)', positive)
  .action(async (options: { workers?: number }) => {
    await rebuild(systemClock, options.workers);
  });

const projection = program.command('projection').description('The projection processor: what it could not process, and retries');

projection
  .command('failures')
  .description('Threads, months and events the projections could not process, with the account-months they block')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    await listFailures(systemClock, options);
  });

projection
  .command('retry')
  .description('Fold or rate again what failed, once its cause is gone (a corrected event, a fixed version); exit 1 while any still fails')
  .addOption(new Option('--failure <id>', 'a failure id; repeat for several').argParser(repeat).conflicts('all'))
  .option('--all', 'every failure on record')
  .option('--json', 'print JSON')
  .action(async (options: { failure?: string[]; all?: boolean; json?: boolean }) => {
    if (!options.all && !options.failure?.length) {
      process.stderr.write('FAILURE_REQUIRED (failure): name a failure with --failure ID, or pass --all\n');
      process.exitCode = 2;
      return;
    }
    await retryFailures(systemClock, options);
  });

const rateCards = program.command('rate-cards').description('Rate cards: publish what Meta prices by');

rateCards
  .command('import')
  .description("Publish a rate card from Meta's CSV (with its tier CSV) or canonical JSON; importing the same card again appends nothing")
  .argument('<file>', "Meta's rate-card CSV, or a .json card in canonical form (RateCardPublished data)")
  .option('--tiers <file>', "Meta's volume-tier CSV for this card")
  .option('--rate-card-id <id>', 'the card id accounts name (default meta-<currency>)')
  .option('--card-version <version>', 'the version of this card (default: its effective date and a digest of its prices, as the API gives)')
  .option('--currency <ISO 4217>', "the card's currency; every row must agree (default read from the rows)")
  .option('--effective-from <YYYY-MM-DD>', "local date from which it prices (default read from the CSV's title)")
  .option('--drops <list>', 'comma-separated markets, categories or market/category rows of the version it follows that it leaves out on purpose')
  .option('--dry-run', 'read and validate the card, publish nothing, and list the issued invoices whose totals it would change')
  .option('--json', 'print the answer as JSON')
  .action(async (file: string, options: { tiers?: string; rateCardId?: string; cardVersion?: string; currency?: string; effectiveFrom?: string; drops?: string; dryRun?: boolean; json?: boolean }) => {
    await importRateCard(systemClock, { file, ...options });
  });

rateCards
  .command('list')
  .description('Every version of every card: effective date, currency, markets, categories, status (published, replaced, withdrawn)')
  .option('--json', 'print the answer as JSON')
  .action(async (options: { json?: boolean }) => {
    await listRateCards(systemClock, options);
  });

rateCards
  .command('withdraw')
  .description('Take a published version out (for good); the months it reached are rated again, and `invoices regenerate` revises what moved')
  .argument('<rate-card-id>')
  .argument('<version>')
  .requiredOption('--reason <text>', 'why: kept in the log and named by the revisions it causes')
  .option('--json', 'print the answer as JSON')
  .action(async (rateCardId: string, version: string, options: { reason: string; json?: boolean }) => {
    await withdrawRateCard(systemClock, { rateCardId, version, ...options });
  });

const webhooks = program.command('webhooks').description("Meta's webhook inbox: what it parked, and a redrive");

webhooks
  .command('parked')
  .description('Items the inbox could not record yet (unknown account or number, invalid item, conflict), with why')
  .option('--json', 'print the answer as JSON')
  .action(async (options: { json?: boolean }) => {
    await listParked(systemClock, options);
  });

webhooks
  .command('redrive')
  .description('Try parked items again now, after a fix: every one (--all) or those named (--id); exit 1 while any stays parked')
  .option('--all', 'every parked item')
  .option('--id <id...>', 'the ids of parked items (ledger webhooks parked)')
  .option('--json', 'print the answer as JSON')
  .action(async (options: { all?: boolean; id?: string[]; json?: boolean }) => {
    if (!options.all && !options.id?.length) {
      process.stderr.write('VALIDATION_FAILED (id): name --all or one --id at least\n');
      process.exitCode = 2;
      return;
    }
    await redrive(systemClock, options);
  });

const invoices = program.command('invoices').description('Issue, regenerate and export invoices');

invoices
  .command('issue')
  .description("Issue a month's invoice from its settled draft (refused before the month ends in the account's time zone unless --force)")
  .addOption(new Option('--waba <id>', 'the account; repeat for several').argParser(repeat).makeOptionMandatory())
  .requiredOption('--period <YYYY-MM>', 'the local month', period)
  .option('--force', 'issue a month that has not ended yet')
  .option('--json', 'print the answers as JSON')
  .action(async (options: { waba: string[]; period: string; force?: boolean; json?: boolean }) => {
    await issueInvoices(systemClock, options);
  });

invoices
  .command('regenerate')
  .description('Re-price every issued invoice of a period under the current rate cards and issue revisions where the money moved')
  .requiredOption('--period <YYYY-MM>', 'the local month', period)
  .addOption(new Option('--waba <id>', 'only these accounts; repeat for several').argParser(repeat))
  .option('--dry-run', 'report what would be revised, append nothing')
  .option('--limit <n>', 'revise at most n invoices in this run (the rest are deferred; exit 3)', positive)
  .option('--report <prefix>', 'write the diff report to PREFIX.csv and PREFIX.json (default LEDGER_REPORTS_DIR, or reports/ beside the SQLite ledger: regenerate-PERIOD-TIME)')
  .option('--json', 'print the summary as JSON')
  .action(async (options: { period: string; waba?: string[]; dryRun?: boolean; limit?: number; report?: string; json?: boolean }) => {
    await regenerateInvoices(systemClock, options);
  });

invoices
  .command('export')
  .description('Write an invoice (the document in force) as CSV, PDF or JSON')
  .requiredOption('--invoice <id>', 'WABA.PERIOD')
  .addOption(new Option('--format <format>').choices(['csv', 'pdf', 'json']).default('pdf'))
  .option('--out <file>', 'where to write it (default: a name of its own, in LEDGER_REPORTS_DIR or reports/ beside the SQLite ledger)')
  .action(async (options: { invoice: string; format: 'csv' | 'pdf' | 'json'; out?: string }) => {
    await exportInvoice(systemClock, options);
  });

const audit = program.command('audit').description("Auditors' replay of the log: explain, timeline, verify");

audit
  .command('explain')
  .description("Each line of a month's invoice (or draft): its units, their events, the rule and the rate-card row applied")
  .requiredOption('--waba <id>', 'the account')
  .requiredOption('--period <YYYY-MM>', 'the local month', period)
  .option('--line <n>', 'only this line (1-based)', positive)
  .option('--json', 'print JSON')
  .action(async (options: { waba: string; period: string; line?: number; json?: boolean }) => {
    await auditExplain(systemClock, options);
  });

audit
  .command('replay')
  .description('The events and decisions of an account between two instants, as the ledger knew them at --as-of')
  .requiredOption('--waba <id>', 'the account')
  .requiredOption('--from <instant>', 'ISO-8601, inclusive', instant)
  .requiredOption('--to <instant>', 'ISO-8601, exclusive', instant)
  .option('--as-of <instant>', 'leave out events recorded after this instant', instant)
  .option('--csv <file>', 'also write the timeline as CSV')
  .option('--json', 'print JSON')
  .action(async (options: { waba: string; from: string; to: string; asOf?: string; csv?: string; json?: boolean }) => {
    await auditReplay(systemClock, options);
  });

audit
  .command('verify')
  .description('Recompute issued invoices from their basis; exit 1 on any mismatch, naming the first differing line')
  .addOption(new Option('--invoice <id>', 'WABA.PERIOD; repeat for several; every issued invoice when absent').argParser(repeat))
  .option('--log', "check instead every stream's chain of links over the whole log: an event edited, inserted, deleted or reordered, whether or not it moves money")
  .option('--json', 'print JSON')
  .action(async (options: { invoice?: string[]; log?: boolean; json?: boolean }) => {
    await (options.log ? auditVerifyLog(options) : auditVerify(systemClock, options));
  });

program
  .command('what-if')
  .description('The invoices periods would produce under another rate card or pricing era, beside the issued ones; writes nothing')
  .addOption(new Option('--period <YYYY-MM>', 'repeat for several (a quarter: three)').argParser((v: string, p: string[] = []) => [...p, period(v)]).makeOptionMandatory())
  .option('--rate-card <file>', "Meta's rate-card CSV, or a RateCardPublished JSON")
  .addOption(new Option('--policy <era>', 'one pricing era for all time').choices(['A', "A'", 'B', 'C', 'D', 'E']))
  .addOption(new Option('--waba <id>', 'only these accounts; repeat for several').argParser(repeat))
  .option('--json', 'print JSON')
  .action(async (options: { period: string[]; rateCard?: string; policy?: Era; waba?: string[]; json?: boolean }) => {
    await runWhatIf(systemClock, options);
  });

try {
  await program.parseAsync();
} catch (error) {
  // Commander has printed its own message (or the help) already.
  process.exitCode = error instanceof CommanderError ? (error.exitCode === 0 ? 0 : 2) : cliFailure(error);
}
