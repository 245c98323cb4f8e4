import type { InvoiceBasis, InvoiceIssuedData, RateCardPublishedData } from '../events.js';
import type { InvoiceDraft } from '../rating/rating.projection.js';
import { canonicalJson } from '../shared/canonical-json.js';

type Basis = Pick<InvoiceBasis, 'rateCards' | 'policies' | 'engineVersion' | 'settings'>;

const cardsText = (b: Basis) => b.rateCards.map((c) => `${c.id} ${c.version}`).join(', ') || 'none';
const policiesText = (b: Basis) => b.policies.map((p) => `${p.era} ${p.version}`).join(', ') || 'none';

/**
 * What in an invoice's pricing basis changed between its issue and a recomputed draft, in words:
 * the engine, the policies, the account's settings, and the rate cards, but a new card version
 * counts only when a row the month uses is priced differently in it (or a version it used was
 * withdrawn). No cause: whatever moved the money was the units, which a regeneration leaves alone.
 */
export function regenerationCauses(issued: InvoiceIssuedData, draft: InvoiceDraft, published: readonly RateCardPublishedData[]): string[] {
  const before = issued.basis;
  const after = draft.basis;
  const causes: string[] = [];
  if (before.engineVersion !== after.engineVersion) causes.push(`engine ${before.engineVersion} -> ${after.engineVersion}`);
  if (policiesText(before) !== policiesText(after)) causes.push(`policies ${policiesText(before)} -> ${policiesText(after)}`);
  if ((before.settings ?? null) !== after.settings) causes.push(`account settings ${before.settings ?? 'unrecorded'} -> ${after.settings}`);
  if (cardsText(before) !== cardsText(after) && pricesMoved(issued, draft, published)) causes.push(`rate cards ${cardsText(before)} -> ${cardsText(after)}`);
  return causes;
}

function pricesMoved(issued: InvoiceIssuedData, draft: InvoiceDraft, published: readonly RateCardPublishedData[]): boolean {
  const byVersion = new Map(published.map((c) => [`${c.rateCardId}@${c.version}`, c]));
  const cards = (basis: Basis) => basis.rateCards.map((c) => byVersion.get(`${c.id}@${c.version}`));
  const old = cards(issued.basis);
  const current = cards(draft.basis);
  // A version no longer published (withdrawn) cannot be compared: it moved.
  if (old.includes(undefined) || current.includes(undefined)) return true;
  const rows = new Set([...issued.lines, ...draft.lines].flatMap((l) => (l.rateCard ? [l.rateCard.row] : [])));
  const pricesOf = (list: readonly (RateCardPublishedData | undefined)[], row: string) => {
    const [market, category] = [row.slice(0, row.lastIndexOf('/')), row.slice(row.lastIndexOf('/') + 1)];
    return canonicalJson(
      list.map((card) => ({
        id: card!.rateCardId,
        rate: card!.rates.find((r) => r.market === market && r.category === category)?.price ?? null,
        tiers: (card!.tiers ?? []).filter((t) => t.market === market && t.category === category),
      })),
    );
  };
  for (const row of rows) if (pricesOf(old, row) !== pricesOf(current, row)) return true;
  return false;
}
