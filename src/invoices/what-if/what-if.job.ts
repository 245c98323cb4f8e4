import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import { Decimal } from 'decimal.js';
import type { InvoiceLineData, RateCardPublishedData } from '../../../projections/events.js';
import { frozenLines } from '../../../projections/invoices/invoice-lifecycle.js';
import type { Era } from '../../../projections/policies/policy.js';
import { singleEraTimeline } from '../../../projections/policies/timeline.js';
import { formatMoney } from '../../../projections/rating/currency.js';
import { RateCardBook } from '../../../projections/rating/rate-card-book.js';
import type { AccountContext } from '../../../projections/thread/thread.types.js';
import type { EventStore } from '../../event-store/event-store.port.js';
import { LogIndex, replayMonth } from '../../audit/month-replay.js';

export interface WhatIfOptions {
  readonly periods: readonly string[];
  /** Price every account of the card's currency with this card alone. */
  readonly card?: RateCardPublishedData;
  /** Fold and rate under one era's rules for all time. */
  readonly era?: Era;
  readonly wabas?: readonly string[];
}

export interface WhatIfRow {
  readonly wabaId: string;
  readonly period: string;
  readonly currency: string;
  readonly invoiceId: string | null;
  /** The invoice in force, when one was issued (void ones do not count). */
  readonly issuedTotal: string | null;
  readonly whatIfTotal: string | null;
  /** What-if minus issued. */
  readonly difference: string | null;
  readonly lines: readonly InvoiceLineData[];
  readonly skipped?: string;
}

/**
 * The invoices periods would produce under another rate card or pricing era, beside the ones
 * issued. Replays each portfolio-month from the log thread by thread and writes nothing.
 */
export async function whatIf(store: EventStore, options: WhatIfOptions): Promise<WhatIfRow[]> {
  const index = await LogIndex.read(store);
  const state = index.stateAt(undefined, options.era ? singleEraTimeline(options.era) : undefined);
  const portfolios = options.wabas?.length ? new Set(options.wabas.map((w) => index.accountAt(w).account.portfolioId)) : undefined;
  const book = options.card ? onlyCard(options.card, [...state.accounts.values()]) : state.book;
  const rows: WhatIfRow[] = [];
  for (const period of options.periods) {
    for (const [portfolio, members] of [...state.portfolios].sort(([a], [b]) => a.localeCompare(b))) {
      if (portfolios && !portfolios.has(portfolio)) continue;
      const drafts = await replayMonth(store, index, state, portfolio, period, { book });
      for (const wabaId of [...members].sort()) {
        if (options.wabas?.length && !options.wabas.includes(wabaId)) continue;
        const draft = drafts.get(wabaId)!;
        const found = index.invoices.get(`${wabaId}.${period}`);
        const issued = found && found.status !== 'voided' ? found : undefined;
        if (!issued && draft.lines.length === 0) continue;
        const base = { wabaId, period, currency: draft.currency, invoiceId: issued?.invoiceId ?? null, issuedTotal: issued?.total ?? null };
        if (options.card && options.card.currency !== draft.currency) {
          rows.push({ ...base, whatIfTotal: null, difference: null, lines: [], skipped: `the card is in ${options.card.currency}, the account bills in ${draft.currency}` });
        } else if (draft.unpriced.length) {
          rows.push({ ...base, whatIfTotal: null, difference: null, lines: frozenLines(draft), skipped: `unpriced units: ${draft.unpriced.map((u) => u.reason).join('; ')}` });
        } else {
          const difference = issued ? formatMoney(new Decimal(draft.total).minus(issued.total), draft.currency) : null;
          rows.push({ ...base, whatIfTotal: draft.total, difference, lines: frozenLines(draft) });
        }
      }
    }
  }
  return rows;
}

/** A book in which every account of the card's currency finds this card, whatever the date. */
function onlyCard(card: RateCardPublishedData, accounts: readonly AccountContext[]): RateCardBook {
  const ids = new Set(accounts.flatMap((a) => [...AccountTerms.of(a).rateCards(card.currency)]));
  return new RateCardBook([...ids].map((rateCardId) => ({ ...card, rateCardId, effectiveFrom: '2000-01-01' })));
}
