import type { Positioned, StatedPricing } from '../events.js';
import type { Charge, Era } from '../policies/policy.js';
import { normaliseCategory, pricedCategory } from '../thread/steps.js';
import type { BillableUnit } from '../thread/thread.types.js';

export const FINDING_KINDS = ['pricing_model', 'category', 'category_unpriced', 'billable', 'type', 'conversation_split', 'conversation_merged', 'conversation_expiry'] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

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

/** A finding as a read model keeps it: whether it holds whatever the month's rating says, or only if the unit is rated `depends`. */
export interface KeptFinding extends Finding {
  readonly depends: 'regular' | 'free_tier' | null;
  /** The unit whose rated charge decides it, when it depends on one. */
  readonly unit: BillableUnit | null;
}

export interface MonthReconciliation {
  readonly period: string;
  /** Messages delivered or read in the month. */
  readonly messages: number;
  readonly findings: readonly KeptFinding[];
}

/**
 * A thread's reconciliation month by month, computed when it is folded, before its months are
 * rated: a free allowance may yet absorb a regular unit, so a finding that only appears when the
 * unit is rated regular, or only when it is rated free, says so, and the month's draft decides.
 * `mayBeFree` tells the units a free allowance could absorb.
 */
export function reconcileMonths(events: readonly Positioned[], units: readonly BillableUnit[], monthOf: (at: number) => string, mayBeFree: (unit: BillableUnit) => boolean): MonthReconciliation[] {
  const byMonth = new Map<string, Positioned[]>();
  for (const event of events) {
    const period = monthOf(Date.parse(event.data.timestamp));
    (byMonth.get(period) ?? byMonth.set(period, []).get(period)!).push(event);
  }
  const unitOf = new Map<string, BillableUnit>();
  for (const unit of units) for (const id of unit.messageIds) unitOf.set(id, unit);
  // Most threads have no unit an allowance could take (only eras B, C and E have allowances): one comparison says all.
  const undecided = units.some(mayBeFree);
  const months: MonthReconciliation[] = [];
  for (const [period, inMonth] of byMonth) {
    const messages = new Set(inMonth.filter((e) => e.type === 'MessageDelivered' || e.type === 'MessageRead').map((e) => e.data.messageId)).size;
    if (!messages) continue;
    const asRegular = reconcile(inMonth, units);
    if (!undecided) {
      months.push({ period, messages, findings: asRegular.map((f) => ({ ...f, depends: null, unit: null })) });
      continue;
    }
    const asFree = reconcile(inMonth, units, (unit) => (mayBeFree(unit) ? 'free_tier' : unit.charge));
    const key = (f: Finding) => `${f.messageId}|${f.kind}|${f.ledger}|${f.meta}`;
    const free = new Set(asFree.map(key));
    const regular = new Set(asRegular.map(key));
    const findings: KeptFinding[] = [
      ...asRegular.map((f) => (free.has(key(f)) ? { ...f, depends: null, unit: null } : { ...f, depends: 'regular' as const, unit: unitOf.get(f.messageId) ?? null })),
      ...asFree.filter((f) => !regular.has(key(f))).map((f) => ({ ...f, depends: 'free_tier' as const, unit: unitOf.get(f.messageId) ?? null })),
    ];
    months.push({ period, messages, findings });
  }
  return months;
}
