import { Inject, Injectable } from '@nestjs/common';
import { Decimal } from 'decimal.js';
import { stringify } from 'csv-stringify/sync';
import { draftHash } from '../../../projections/invoices/invoice-hash.js';
import { formatMoney } from '../../../projections/rating/currency.js';
import type { AdjustmentLine } from '../../../projections/invoices/invoice-diff.js';
import { revisionOf } from '../../../projections/invoices/invoice-lifecycle.js';
import { regenerationCauses } from '../../../projections/invoices/regeneration-causes.js';
import { ENGINE_VERSION } from '../../../projections/rating/rating.projection.js';
import type { InvoiceBasis } from '../../../projections/events.js';
import type { CommandContext } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { ReadModelReader } from '../../read-models/read-model.reader.js';
import { appendInvoiceEvent, InvoiceLedger } from '../invoice-ledger.js';

export type Outcome =
  /** A revision was issued. */
  | 'revised'
  /** A dry run: a revision would be issued. */
  | 'would_revise'
  /** The invoice in force already is what the log and the cards give. */
  | 'up_to_date'
  /** The basis changed, but not any price, setting or rule this invoice used: its money did not move. */
  | 'unaffected'
  /** Nothing that prices the month changed (no card price it uses, no setting, policy or engine): new units are not this job's to revise. */
  | 'basis_unchanged'
  /** Some units have no price under the current cards: left as issued. */
  | 'unpriced'
  /** Projection failures touch the month (`ledger projection failures`): left as issued until they are cleared. */
  | 'blocked'
  /** Not reached in this run (limit or interrupt): a rerun picks it up. */
  | 'deferred';

export interface RegenerateResult {
  readonly invoiceId: string;
  readonly wabaId: string;
  readonly period: string;
  readonly currency: string;
  readonly outcome: Outcome;
  /** Stage 2 alone when only prices moved; stages 1 and 2 when the engine or a policy changed. */
  readonly stages: 'stage 2' | 'stages 1+2';
  readonly oldTotal: string;
  readonly newTotal: string;
  readonly adjustments: readonly AdjustmentLine[];
  readonly position?: string;
}

export interface RegenerateOptions {
  readonly period: string;
  readonly wabas?: readonly string[];
  readonly dryRun?: boolean;
  /** Revise at most this many invoices in this run; the rest are deferred to the next. */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  readonly onResult?: (result: RegenerateResult, done: number, total: number) => void;
}

/**
 * Re-prices every issued invoice of a period against the settled drafts (the runner has re-rated
 * them: stage 2 after a card change, stages 1 and 2 in a new engine version's tables) and issues a
 * revision where the pricing basis changed and the money moved. Each revision is its own append,
 * so an interrupted run loses nothing and a rerun skips what is already revised.
 */
@Injectable()
export class InvoiceRegenerator {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(InvoiceLedger) private readonly invoices: InvoiceLedger,
    @Inject(ReadModelReader) private readonly reader: ReadModelReader,
  ) {}

  async run(options: RegenerateOptions, context: CommandContext): Promise<RegenerateResult[]> {
    const rows = (await this.invoices.list(context.scope, { period: options.period }))
      .filter((r) => r.status !== 'voided' && (!options.wabas?.length || options.wabas.includes(r.wabaId)));
    const results: RegenerateResult[] = [];
    // Every card version published, withdrawn ones left out: what the drafts were rated against.
    const { published } = (await this.reader.reflecting(undefined, false)).engine;
    let revised = 0;
    for (const row of rows) {
      const record = await this.invoices.require(row.invoiceId, context.scope);
      const invoice = record.invoice;
      if (invoice.status === 'voided') continue;
      const stopped = options.signal?.aborted || (options.limit !== undefined && revised >= options.limit);
      const settled = await this.invoices.settledDraft(context.scope, invoice.wabaId, invoice.period).catch(blockedDraft);
      const issued = { invoiceId: invoice.invoiceId, wabaId: invoice.wabaId, period: invoice.period, currency: invoice.currency, stages: stagesFor(invoice.basis), oldTotal: invoice.total };
      if (!settled || settled.blocked.length) {
        const result: RegenerateResult = { ...issued, newTotal: invoice.total, outcome: 'blocked', adjustments: [] };
        results.push(result);
        options.onResult?.(result, results.length, rows.length);
        continue;
      }
      const { draft, position } = settled;
      const base = { ...issued, newTotal: draft.total };
      let result: RegenerateResult;
      const causes = regenerationCauses(invoice, draft, published);
      const revision = draft.unpriced.length ? undefined : revisionOf(invoice, draft, position, `regenerated: ${causes.join('; ')}`);
      if (draft.unpriced.length) result = { ...base, outcome: 'unpriced', adjustments: [] };
      else if (draftHash(draft) === invoice.hash) result = { ...base, outcome: 'up_to_date', adjustments: [] };
      // Nothing that prices the month moved: new units alone are not this job's to revise.
      else if (!causes.length) result = revision ? { ...base, outcome: 'basis_unchanged', newTotal: invoice.total, adjustments: [] } : { ...base, outcome: 'unaffected', adjustments: [] };
      else if (!revision) result = { ...base, outcome: 'unaffected', adjustments: [] };
      else if (stopped) result = { ...base, outcome: 'deferred', adjustments: revision.adjustments };
      else if (options.dryRun) result = { ...base, outcome: 'would_revise', adjustments: revision.adjustments };
      else {
        const sealed = revisionOf(invoice, draft, position, revision.reason, await this.invoices.logDigest(draft, position))!;
        const appended = await appendInvoiceEvent(this.store, record, 'InvoiceRevised', sealed, context);
        revised += 1;
        result = { ...base, outcome: 'revised', adjustments: revision.adjustments, position: appended.position };
      }
      results.push(result);
      options.onResult?.(result, results.length, rows.length);
    }
    return results;
  }
}

/** A month whose draft cannot even be shown is blocked too. */
function blockedDraft(error: unknown): undefined {
  if (error instanceof LedgerError && error.code === 'DRAFT_BLOCKED') return undefined;
  throw error;
}

function stagesFor(basis: InvoiceBasis): RegenerateResult['stages'] {
  return basis.engineVersion === ENGINE_VERSION ? 'stage 2' : 'stages 1+2';
}

const REPORT_COLUMNS = ['invoice_id', 'waba_id', 'period', 'currency', 'outcome', 'stages', 'old_total', 'new_total', 'difference', 'market', 'category', 'charge', 'tier', 'quantity', 'previous_unit_price', 'unit_price', 'amount'];

/** One row per adjustment line; an invoice without adjustments gets one row with its outcome. */
export function regenerateCsv(results: readonly RegenerateResult[]): string {
  const rows: unknown[][] = [];
  for (const r of results) {
    const head = [r.invoiceId, r.wabaId, r.period, r.currency, r.outcome, r.stages, r.oldTotal, r.newTotal, formatMoney(new Decimal(r.newTotal).minus(r.oldTotal), r.currency)];
    if (r.adjustments.length === 0) rows.push([...head, '', '', '', '', '', '', '', '']);
    for (const a of r.adjustments) rows.push([...head, a.market, a.category, a.charge, a.tier ?? '', a.quantity, a.previousUnitPrice ?? '', a.unitPrice ?? '', a.amount]);
  }
  return stringify(rows, { header: true, columns: REPORT_COLUMNS });
}
