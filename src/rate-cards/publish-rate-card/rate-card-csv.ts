import type { RateCardCsvOptions } from '../../../projections/rating/rate-card.csv.js';
import { parseRateCardCsv, RateCardCsvError } from '../../../projections/rating/rate-card.csv.js';
import { LedgerError } from '../../common/ledger-error.js';
import { validateAs } from '../../common/validation.js';
import { PublishRateCardRequest } from './publish-rate-card.request.js';

/**
 * Meta's CSV (and its tier CSV) as a publish request, held to the same rules as a JSON body; a row
 * it cannot read is named. A card without a version gets the one default every door gives it.
 */
export function rateCardFromCsv(csv: string, options: RateCardCsvOptions & { readonly drops?: readonly string[] }): PublishRateCardRequest {
  try {
    const { version, ...card } = parseRateCardCsv(csv, options);
    return validateAs(PublishRateCardRequest, { ...card, ...(options.version ? { version } : {}), ...(options.drops?.length ? { drops: options.drops } : {}) }, '');
  } catch (error) {
    if (error instanceof RateCardCsvError) throw new LedgerError('RATE_CARD_CSV_INVALID', error.message, 400, `line ${error.line}${error.column ? `, column ${error.column}` : ''}`);
    throw error;
  }
}
