import type { Positioned, StatedPricing } from '../events.js';
import type { Charge, Era } from '../policies/policy.js';
import { normaliseCategory, pricedCategory } from '../thread/steps.js';
import type { BillableUnit } from '../thread/thread.types.js';

export type FindingKind = 'pricing_model' | 'category' | 'category_unpriced' | 'billable' | 'type' | 'conversation_split' | 'conversation_merged' | 'conversation_expiry';

export interface Finding {
  readonly messageId: string;
  readonly kind: FindingKind;
  readonly ledger: string;
  readonly meta: string;
}

const MODEL: Record<Era, string> = { A: 'NBP', "A'": 'CBP', B: 'CBP', C: 'CBP', D: 'PMP', E: 'PMP' };

/** Meta's word for a charge: a service message inside its free tier is `free_customer_service` in Meta's statuses. */
function metaType(unit: BillableUnit, charge: Charge): string {
  return charge === 'free_tier' && unit.category === 'service' ? 'free_customer_service' : charge;
}

/**
 * Compares the ledger's verdict on each message with what Meta stated on its status webhooks.
 * The ledger's derivation stays the invoice's basis; every difference is listed by kind. When
 * statuses disagree among themselves, the last stated verdict of a message is the one compared.
 * `charged` gives a unit's rated charge (a free tier is the rating's call, not the fold's).
 */
export function reconcile(events: readonly Positioned[], units: readonly BillableUnit[], charged: (unit: BillableUnit) => Charge = (unit) => unit.charge): Finding[] {
  const unitOf = new Map<string, BillableUnit>();
  for (const unit of units) for (const id of unit.messageIds) unitOf.set(id, unit);
  const stated = new Map<string, StatedPricing>();
  for (const event of events) {
    if ((event.type === 'MessageDelivered' || event.type === 'MessageRead') && event.data.stated) stated.set(event.data.messageId, event.data.stated);
  }

  const findings: Finding[] = [];
  const conversationsOfUnit = new Map<string, Set<string>>();
  const unitsOfConversation = new Map<string, Set<string>>();
  for (const [messageId, verdict] of stated) {
    const unit = unitOf.get(messageId);
    const add = (kind: FindingKind, ledger: string, meta: string) => {
      if (ledger !== meta) findings.push({ messageId, kind, ledger, meta });
    };
    const pricing = verdict.pricing;
    if (pricing?.category !== undefined && !pricedCategory(pricing.category)) {
      // No policy prices it, so nothing else about it can be compared.
      findings.push({ messageId, kind: 'category_unpriced', ledger: unit?.category ?? 'none', meta: pricing.category });
      continue;
    }
    if (pricing?.pricing_model !== undefined) add('pricing_model', unit ? MODEL[unit.era] : 'none', pricing.pricing_model);
    const charge = unit && charged(unit);
    if (pricing?.category !== undefined) add('category', unit?.category ?? 'none', normaliseCategory(pricing.category) ?? '');
    if (pricing?.billable !== undefined) add('billable', String(charge === 'regular'), String(pricing.billable));
    if (pricing?.type !== undefined && unit?.kind === 'message') add('type', metaType(unit, charge!), pricing.type);
    const conversation = verdict.conversation;
    if (conversation?.id !== undefined && unit?.kind === 'conversation') {
      (conversationsOfUnit.get(unit.id) ?? conversationsOfUnit.set(unit.id, new Set()).get(unit.id)!).add(conversation.id);
      (unitsOfConversation.get(conversation.id) ?? unitsOfConversation.set(conversation.id, new Set()).get(conversation.id)!).add(unit.id);
      if (conversation.expiration_timestamp !== undefined && unit.expiresAt !== undefined) {
        add('conversation_expiry', String(Math.floor(Date.parse(unit.expiresAt) / 1000)), conversation.expiration_timestamp);
      }
    }
  }
  for (const [unitId, ids] of conversationsOfUnit) {
    if (ids.size > 1) findings.push({ messageId: unitId, kind: 'conversation_split', ledger: unitId, meta: [...ids].sort().join(',') });
  }
  for (const [conversationId, ids] of unitsOfConversation) {
    if (ids.size > 1) findings.push({ messageId: conversationId, kind: 'conversation_merged', ledger: [...ids].sort().join(','), meta: conversationId });
  }
  return findings;
}
