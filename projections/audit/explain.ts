import type { Charge } from '../policies/policy.js';
import type { DraftLine, InvoiceDraft } from '../rating/rating.projection.js';
import { lineUnits } from '../rating/rating.projection.js';
import type { BillableUnit, Decision, ThreadResult } from '../thread/thread.types.js';

export interface PricedAs {
  readonly charge: Charge;
  readonly unitPrice: string;
  readonly tier: string | null;
  readonly rateCard: DraftLine['rateCard'];
}

export interface ExplainedDecision extends Decision {
  /** How the unit this step opened or charged was priced, when a draft covers it. */
  readonly pricedAs?: PricedAs;
}

export interface ThreadExplanation {
  readonly units: readonly BillableUnit[];
  readonly decisions: readonly ExplainedDecision[];
}

/**
 * The audit trail of one thread: every decision of the fold in order, each joined to the line
 * (rate card, version, row, tier, charge after free allowances) that priced its unit.
 */
export function explainThread(result: ThreadResult, drafts: readonly InvoiceDraft[] = []): ThreadExplanation {
  const pricing = new Map<string, PricedAs>();
  for (const draft of drafts) {
    for (const line of draft.lines) {
      const priced = pricedAs(line);
      for (const id of lineUnits(line)) pricing.set(id, priced);
    }
  }
  return explainPriced(result, pricing);
}

export const pricedAs = (line: DraftLine): PricedAs => ({ charge: line.charge, unitPrice: line.unitPrice, tier: line.tier, rateCard: line.rateCard });

/** The same trail, given how each unit was priced by id: from drafts rated with provenance, or lines found for it. */
export function explainPriced(result: ThreadResult, pricing: ReadonlyMap<string, PricedAs>): ThreadExplanation {
  const decisions = result.decisions.map((d) => {
    const pricedAs = d.unitId && (d.action === 'opened' || d.action === 'charged' || d.action === 'free') ? pricing.get(d.unitId) : undefined;
    return pricedAs ? { ...d, pricedAs } : d;
  });
  // A unit says what it was rated at: a free allowance's units are `free_tier`, as their line.
  const units = result.units.map((unit) => {
    const charge = pricing.get(unit.id)?.charge;
    return charge && charge !== unit.charge ? { ...unit, charge } : unit;
  });
  return { units, decisions };
}

/** The same trail as a person reads it: one line per decision. */
export function explanationText(explanation: ThreadExplanation): string {
  return explanation.decisions
    .map((d) => {
      const unit = d.unitId ? ` [${d.action} ${d.unitId}]` : '';
      const priced = d.pricedAs
        ? ` -> ${d.pricedAs.charge} at ${d.pricedAs.unitPrice}${d.pricedAs.tier ? ` (tier ${d.pricedAs.tier})` : ''}${d.pricedAs.rateCard ? `, card ${d.pricedAs.rateCard.id} ${d.pricedAs.rateCard.version}, row ${d.pricedAs.rateCard.row}` : ''}`
        : '';
      return `${d.at}  ${d.era ?? '-'}  ${d.event} ${d.messageId}: ${d.explanation} (rule ${d.rule})${unit}${priced}`;
    })
    .join('\n');
}
