import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { RateCardPublishedData } from '../../projections/events.js';
import type { Era } from '../../projections/policies/policy.js';
import { parseRateCardCsv } from '../../projections/rating/rate-card.csv.js';
import type { Clock } from '../common/clock.js';
import { EventStore } from '../event-store/event-store.port.js';
import { whatIf } from '../invoices/what-if/what-if.job.js';
import { LedgerError } from '../common/ledger-error.js';
import { print, withLedger } from './ledger-job.js';

export async function runWhatIf(clock: Clock, options: { period: string[]; rateCard?: string; policy?: Era; waba?: string[]; json?: boolean }): Promise<void> {
  if (!options.rateCard && !options.policy) throw new LedgerError('OPTION_MISSING', 'what-if needs --rate-card <file>, --policy <era> or both', 400, 'rate-card');
  const card = options.rateCard ? readCard(options.rateCard, options.period[0]!) : undefined;
  await withLedger(clock, async (ledger) => {
    const rows = await whatIf(ledger.get(EventStore), { periods: options.period, card, era: options.policy, wabas: options.waba });
    if (options.json) return print(rows);
    const out = ['waba\tperiod\tcurrency\tissued\twhat-if\tdifference'];
    for (const r of rows) out.push([r.wabaId, r.period, r.currency, r.issuedTotal ?? '-', r.whatIfTotal ?? `- (${r.skipped})`, r.difference ?? '-'].join('\t'));
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

/** Meta's CSV (effective from the first period) or a RateCardPublished JSON document. */
function readCard(file: string, period: string): RateCardPublishedData {
  const text = readFileSync(file, 'utf8');
  if (extname(file).toLowerCase() === '.json') return JSON.parse(text) as RateCardPublishedData;
  return parseRateCardCsv(text, { rateCardId: 'what-if', version: basename(file), effectiveFrom: `${period}-01` });
}
