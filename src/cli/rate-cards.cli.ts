import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { Appended } from '../common/append.js';
import type { Clock } from '../common/clock.js';
import { LedgerError } from '../common/ledger-error.js';
import { validateAs } from '../common/validation.js';
import { PublishRateCard } from '../rate-cards/publish-rate-card/publish-rate-card.command.js';
import { PublishRateCardRequest } from '../rate-cards/publish-rate-card/publish-rate-card.request.js';
import { rateCardFromCsv } from '../rate-cards/publish-rate-card/rate-card-csv.js';
import { SYSTEM } from '../auth/scope.js';
import { cardOf, checkedCard } from '../rate-cards/publish-rate-card/publish-rate-card.command.js';
import { RateCardCatalog } from '../rate-cards/rate-card-catalog.js';
import { WithdrawRateCard } from '../rate-cards/withdraw-rate-card/withdraw-rate-card.command.js';
import { WithdrawRateCardRequest } from '../rate-cards/withdraw-rate-card/withdraw-rate-card.request.js';
import { jobContext, print, refused, withLedger } from './ledger-job.js';

export interface ImportOptions {
  readonly file: string;
  readonly tiers?: string;
  readonly rateCardId?: string;
  readonly cardVersion?: string;
  readonly currency?: string;
  readonly effectiveFrom?: string;
  readonly drops?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/**
 * Publishes a rate card from Meta's CSV (and its tier CSV) or from canonical JSON, through the
 * command the API uses: the same validation, the same event, and a repeated import appends nothing.
 * The runner then re-rates the months the card reaches; `invoices regenerate` revises what moved.
 */
export async function importRateCard(clock: Clock, options: ImportOptions): Promise<void> {
  let card: PublishRateCardRequest;
  try {
    card = readCard(options);
  } catch (error) {
    return refused(error);
  }
  const version = cardOf(card).version;
  const summary = { rateCardId: card.rateCardId, version, currency: card.currency, effectiveFrom: card.effectiveFrom, rates: card.rates.length, tiers: card.tiers?.length ?? 0 };
  const described = `${card.rateCardId} ${version} (${card.currency}, effective ${card.effectiveFrom}, ${summary.rates} rates, ${summary.tiers} tier bands)`;
  if (options.dryRun) {
    await withLedger(clock, async (ledger) => {
      const invoices = await ledger.get(RateCardCatalog).impact(SYSTEM, checkedCard(card));
      if (options.json) return print({ ...summary, dryRun: true, invoices });
      process.stdout.write(`${described}: read, not published (dry run); ${invoices.length ? `it would change ${invoices.length} issued invoice(s):` : 'it would change no issued invoice'}\n`);
      for (const i of invoices) process.stdout.write(`  ${i.invoiceId}  ${i.period}  ${i.currentTotal} -> ${i.withCardTotal} ${i.currency} (${i.difference})\n`);
    });
    return;
  }
  await withLedger(clock, async (ledger) => {
    const result: Appended = await ledger.get(CommandBus).execute(new PublishRateCard(card, jobContext(clock, 'ledger rate-cards import')));
    if (options.json) return print({ ...summary, ...result });
    process.stdout.write(`${described}: ${result.duplicate ? 'already published, nothing appended' : 'published'} at position ${result.position}\n`);
  });
}

function readCard(options: ImportOptions): PublishRateCardRequest {
  const text = read(options.file, 'file');
  if (extname(options.file).toLowerCase() !== '.json') {
    const { rateCardId, cardVersion: version, currency, effectiveFrom } = options;
    const tiers = options.tiers === undefined ? undefined : read(options.tiers, 'tiers');
    const drops = options.drops?.split(',').map((d) => d.trim()).filter(Boolean);
    return rateCardFromCsv(text, { rateCardId, version, currency, effectiveFrom, tiers, ...(drops ? { drops } : {}) });
  }
  const given = (['tiers', 'rateCardId', 'cardVersion', 'currency', 'effectiveFrom', 'drops'] as const).find((k) => options[k] !== undefined);
  if (given) throw new LedgerError('VALIDATION_FAILED', `${given}: a JSON card names its own fields; options apply to Meta's CSV only`, 400, given);
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (error) {
    throw new LedgerError('BODY_MALFORMED', `${options.file}: not JSON (${(error as Error).message})`, 400, 'file');
  }
  return validateAs(PublishRateCardRequest, plain, '');
}

function read(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new LedgerError('FILE_UNREADABLE', `${file}: ${(error as Error).message}`, 400, field);
  }
}

/** Every version of every card, with its status: what `GET /rate-cards` answers. */
export async function listRateCards(clock: Clock, options: { readonly json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const { cards } = await ledger.get(RateCardCatalog).list();
    if (options.json) return print(cards);
    for (const c of cards) {
      const why = c.withdrawnBecause ? ` (${c.withdrawnBecause})` : '';
      process.stdout.write(`${c.rateCardId}\t${c.version}\t${c.currency}\t${c.effectiveFrom}\t${c.status}${why}\t${c.markets.length} markets\t${c.categories.join(',')}\n`);
    }
  });
}

/** Takes a version out through the command the API uses; the runner rates the months it reached again. */
export async function withdrawRateCard(clock: Clock, options: { readonly rateCardId: string; readonly version: string; readonly reason?: string; readonly json?: boolean }): Promise<void> {
  let request: WithdrawRateCardRequest;
  try {
    request = validateAs(WithdrawRateCardRequest, { rateCardId: options.rateCardId, version: options.version, reason: options.reason }, '');
  } catch (error) {
    return refused(error);
  }
  await withLedger(clock, async (ledger) => {
    const result: Appended = await ledger.get(CommandBus).execute(new WithdrawRateCard(request, jobContext(clock, 'ledger rate-cards withdraw')));
    if (options.json) return print(result);
    process.stdout.write(`${request.rateCardId} ${request.version}: ${result.duplicate ? 'already withdrawn, nothing appended' : 'withdrawn'} at position ${result.position}\n`);
  });
}
