import type { Category, Charge } from '../policies/policy.js';
import type { BillableUnit } from '../thread/thread.types.js';
import { parseInstant } from '../time/zone-calendar.js';
import { text } from '../shared/compare.js';

/** A free allowance of a month as the rater spent it: which units it absorbed, without listing them. */
export interface FreeTierUse {
  readonly era: string;
  /** The WABA or business number the allowance belongs to. */
  readonly owner: string;
  readonly per: 'waba' | 'phone_number';
  readonly categories: readonly Category[] | 'all';
  readonly allowance: number;
  readonly used: number;
  /** The last unit it absorbed, in charge order: every eligible unit up to it took the allowance, none after. */
  readonly through: { readonly openedAt: string; readonly unitId: string };
}

/**
 * The charge a unit was rated at: a regular unit a free allowance absorbed is `free_tier`. The
 * draft of the unit's month says which, so every output that lists units agrees with the invoice.
 */
export function ratedCharge(unit: BillableUnit, freeTiers: readonly FreeTierUse[]): Charge {
  if (unit.charge !== 'regular') return unit.charge;
  for (const tier of freeTiers) {
    if (tier.era !== unit.era || tier.owner !== (tier.per === 'waba' ? unit.wabaId : unit.phoneNumberId)) continue;
    if (tier.categories !== 'all' && !tier.categories.includes(unit.category)) continue;
    const at = parseInstant(unit.openedAt);
    const through = parseInstant(tier.through.openedAt);
    if (at < through || (at === through && text(unit.id, tier.through.unitId) <= 0)) return 'free_tier';
  }
  return unit.charge;
}

