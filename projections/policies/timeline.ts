import type { Calendar } from '../time/zone-calendar.js';
import { dayAfter } from '../time/zone-calendar.js';
import { eraAPrime } from './era-a-prime.policy.js';
import { eraA } from './era-a.policy.js';
import { eraB } from './era-b.policy.js';
import { eraC } from './era-c.policy.js';
import { eraD } from './era-d.policy.js';
import { eraE } from './era-e.policy.js';
import type { Era, Policy } from './policy.js';

export const POLICIES: readonly Policy[] = [eraA, eraAPrime, eraB, eraC, eraD, eraE];

/**
 * Picks the policy in force at an instant, in the WABA's own time zone. Eras change at 00:00
 * local time, so each zone gets its own list of boundaries, computed once.
 */
export class PolicyTimeline {
  private readonly byEra: ReadonlyMap<Era, Policy>;
  private readonly bounds = new Map<string, { policy: Policy; start: number; end: number }[]>();

  constructor(readonly policies: readonly Policy[] = POLICIES) {
    this.byEra = new Map(policies.map((p) => [p.era, p]));
  }

  policy(era: Era): Policy {
    const found = this.byEra.get(era);
    if (!found) throw new RangeError(`no policy for era ${era}`);
    return found;
  }

  at(instant: number, calendar: Calendar, country: string | undefined): Policy | undefined {
    let found: Policy | undefined;
    for (const span of this.spans(calendar)) {
      if (instant < span.start || instant >= span.end) continue;
      if (span.policy.countries) {
        if (country && span.policy.countries.includes(country)) return span.policy;
      } else {
        found = span.policy;
      }
    }
    return found;
  }

  private spans(calendar: Calendar) {
    let spans = this.bounds.get(calendar.zone);
    if (!spans) {
      spans = this.policies.map((policy) => ({
        policy,
        start: calendar.midnight(policy.from),
        end: policy.to ? calendar.midnight(dayAfter(policy.to)) : Number.POSITIVE_INFINITY,
      }));
      this.bounds.set(calendar.zone, spans);
    }
    return spans;
  }

  versions(): { era: Era; version: string }[] {
    return this.policies.map((p) => ({ era: p.era, version: p.version }));
  }
}

/** One era's rules for all time and every market: what a period would have cost under them. */
export function singleEraTimeline(era: Era): PolicyTimeline {
  const policy = POLICIES.find((p) => p.era === era);
  if (!policy) throw new RangeError(`no policy for era ${era}`);
  const { to: _to, countries: _countries, ...always } = policy;
  return new PolicyTimeline([{ ...always, from: '2000-01-01' }]);
}

/** Length of the free entry point for one opening instant. */
export function freeEntryPointHours(policy: Policy, instant: number, calendar: Calendar): number {
  const spans = policy.freeEntryPoint?.lengthHours ?? [];
  let hours = 0;
  for (const span of spans) if (calendar.midnight(span.from) <= instant) hours = span.hours;
  return hours;
}
