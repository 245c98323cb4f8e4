import type {
  InvoiceBasis,
  InvoiceIssued,
  InvoiceIssuedData,
  InvoiceLineData,
  InvoiceRevised,
  InvoiceRevisedData,
  InvoiceVoided,
} from '../events.js';
import type { InvoiceDraft } from '../rating/rating.projection.js';
import { canonicalJson } from '../shared/canonical-json.js';
import type { AdjustmentLine } from './invoice-diff.js';
import { diffDrafts } from './invoice-diff.js';
import { documentHash, draftHash, sealed } from './invoice-hash.js';

export type InvoiceEvent = InvoiceIssued | InvoiceRevised | InvoiceVoided;

export type InvoiceStatus = 'issued' | 'revised' | 'voided';

/** Where an invoice stands after its events: the document in force, and what came before it. */
export interface Invoice extends InvoiceIssuedData {
  readonly status: InvoiceStatus;
  /** 0 for the issue, then one more per revision since it. */
  readonly revision: number;
  /** Set on a revision: what it replaced, why, and the change per line. */
  readonly supersedes?: string;
  readonly reason?: string;
  readonly adjustments?: readonly AdjustmentLine[];
  readonly voidReason?: string;
}

/** One invoice per WABA and local month: the id names both, and the stream follows it. */
export function invoiceIdOf(wabaId: string, period: string): string {
  return `${wabaId}.${period}`;
}

/** Folds an invoice stream, from its start or from a known state. An issue after a void starts a new document on the same stream. */
export function invoiceOf(events: Iterable<InvoiceEvent>, from?: Invoice): Invoice | undefined {
  let invoice = from;
  for (const event of events) {
    switch (event.type) {
      case 'InvoiceIssued':
        invoice = { ...issuedPart(event.data), status: 'issued', revision: 0 };
        break;
      case 'InvoiceRevised':
        if (invoice) {
          const { supersedes, reason, adjustments } = event.data;
          invoice = { ...issuedPart(event.data), status: 'revised', revision: invoice.revision + 1, supersedes, reason, adjustments };
        }
        break;
      case 'InvoiceVoided':
        if (invoice) invoice = { ...invoice, status: 'voided', voidReason: event.data.reason };
        break;
    }
  }
  return invoice;
}

function issuedPart(data: InvoiceIssuedData): InvoiceIssuedData {
  const { invoiceId, wabaId, period, currency, lines, total, basis, hash, documentHash } = data;
  return { invoiceId, wabaId, period, currency, lines, total, basis, hash, ...(documentHash === undefined ? {} : { documentHash }) };
}

/** The document in force as its event recorded it: the issue's fields, and a revision's own. */
export function documentOf(invoice: Invoice): InvoiceIssuedData | InvoiceRevisedData {
  const issued = issuedPart(invoice);
  if (invoice.revision === 0) return issued;
  return { ...issued, supersedes: invoice.supersedes!, reason: invoice.reason!, adjustments: invoice.adjustments! };
}

/** The lines as an invoice freezes them: the units stay behind, the hash covers their fingerprint. */
export function frozenLines(draft: InvoiceDraft): InvoiceLineData[] {
  return draft.lines.map((line) => ({
    market: line.market,
    category: line.category,
    charge: line.charge,
    tier: line.tier,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    exactAmount: line.exactAmount,
    amount: line.amount,
    rateCard: line.rateCard,
  }));
}

/** The issued document of a draft that reflects the log up to `position`, with the digest of the streams it was computed from. */
export function issueOf(draft: InvoiceDraft, position: string, log?: InvoiceBasis['log']): InvoiceIssuedData {
  return sealed<InvoiceIssuedData>({
    invoiceId: invoiceIdOf(draft.wabaId, draft.period),
    wabaId: draft.wabaId,
    period: draft.period,
    currency: draft.currency,
    lines: frozenLines(draft),
    total: draft.total,
    basis: { position, ...draft.basis, ...(log ? { log } : {}) },
    hash: draftHash(draft),
  });
}

/** The revision that takes `current` to `draft`, or nothing when the money did not move. */
export function revisionOf(current: InvoiceIssuedData, draft: InvoiceDraft, position: string, reason: string, log?: InvoiceBasis['log']): InvoiceRevisedData | undefined {
  const adjustments: AdjustmentLine[] = diffDrafts(current, draft);
  if (adjustments.length === 0) return undefined;
  return sealed<InvoiceRevisedData>({ ...issueOf(draft, position, log), supersedes: current.hash, reason, adjustments });
}

type Priced = Pick<InvoiceBasis, 'rateCards' | 'policies' | 'engineVersion' | 'settings'>;

/** What prices an invoice, leaving out how far the log had come: rate cards, policies, engine, account settings. */
export function pricingBasisChanged(issued: Priced, recomputed: Priced): boolean {
  const basis = (b: Priced) => canonicalJson({ rateCards: b.rateCards, policies: b.policies, engineVersion: b.engineVersion, settings: b.settings ?? null });
  return basis(issued) !== basis(recomputed);
}

export interface Difference {
  /** 1-based, in the invoice's line order; absent when the lines agree and something else differs. */
  readonly line?: number;
  readonly field: string;
  readonly issued: unknown;
  readonly recomputed: unknown;
}

/**
 * The first place an issued invoice and its recomputation part. The stored document is held
 * against itself first (its `documentHash`), then field by field against the recomputation: a
 * line (by number), the total, the currency, the basis, and, when everything printed agrees, the
 * units behind the lines (the draft hash covers their fingerprint). The stored hashes are never
 * taken on trust: an edited total under an untouched hash is a difference.
 */
export function firstDifference(issued: InvoiceIssuedData, recomputed: InvoiceIssuedData): Difference | undefined {
  const count = Math.max(issued.lines.length, recomputed.lines.length);
  for (let i = 0; i < count; i++) {
    const a = issued.lines[i];
    const b = recomputed.lines[i];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) return { line: i + 1, field: 'lines', issued: a ?? null, recomputed: b ?? null };
  }
  for (const field of ['total', 'currency', 'wabaId', 'period'] as const) {
    if (issued[field] !== recomputed[field]) return { field, issued: issued[field], recomputed: recomputed[field] };
  }
  // The log the invoice was computed from, edited where the money does not show.
  if (canonicalJson(issued.basis.log ?? null) !== canonicalJson(recomputed.basis.log ?? null)) return { field: 'basis.log', issued: issued.basis.log ?? null, recomputed: recomputed.basis.log ?? null };
  if (canonicalJson(issued.basis) !== canonicalJson(recomputed.basis)) return { field: 'basis', issued: issued.basis, recomputed: recomputed.basis };
  if (issued.hash !== recomputed.hash) return { field: 'units', issued: issued.hash, recomputed: recomputed.hash };
  return undefined;
}

/** A stored document whose content no longer gives its own `documentHash`: edited where the recomputation cannot see (a revision's reason, what it supersedes, its adjustments). */
export function documentEdited(document: InvoiceIssuedData): Difference | undefined {
  if (document.documentHash === undefined) return undefined;
  const actual = documentHash(document);
  return actual === document.documentHash ? undefined : { field: 'document', issued: document.documentHash, recomputed: actual };
}
