import type { Positioned, StatedPricing, Template, TemplateCategory } from '../events.js';
import { canonicalInstant, parseInstant } from '../time/zone-calendar.js';

/**
 * A thread's events as the fold takes them: one step per message, in the fold's order, whatever
 * order, repetition or mix of statuses the events came in.
 */
export interface Outbound {
  readonly inbound: false;
  readonly id: string;
  /** The step's instant: delivered, else failed, else sent. */
  at: number;
  sentAt: number | undefined;
  template: Template | undefined;
  inferred: boolean;
  deliveredAt: number | undefined;
  /** The delivery timestamp as recorded, when it is already canonical: a unit reuses it. */
  deliveredIso: string | undefined;
  deliveryPosition: string | undefined;
  /** The status that delivered it: `MessageRead` when Meta skipped `delivered`. */
  deliveredBy: 'MessageDelivered' | 'MessageRead';
  failedAt: number | undefined;
  failedPosition: string | undefined;
  /** The category Meta stated for a message sent without a template, when no policy prices it. */
  unpriced: string | undefined;
}

export interface Inbound {
  readonly inbound: true;
  readonly id: string;
  at: number;
  kind: string;
  referral: boolean;
  position: string | undefined;
}

export type Step = Inbound | Outbound;

const TEMPLATE_CATEGORIES = new Set<string>(['marketing', 'utility', 'authentication']);
/** Every category some policy prices, as normaliseCategory spells it. */
const PRICED_CATEGORIES = new Set<string>([...TEMPLATE_CATEGORIES, 'authentication_international', 'service', 'user_initiated', 'business_initiated', 'referral_conversion']);

/**
 * Collapses a thread's events into one record per message: duplicates vanish, a message is
 * delivered at its earliest delivered or read status, and a message with no such status
 * (failed, or not yet delivered) becomes a step that opens nothing.
 */
export function normalise(events: readonly Positioned[], until: number | undefined): Step[] {
  const outbound = new Map<string, Outbound>();
  const inbound = new Map<string, Inbound>();
  const steps: Step[] = [];
  for (const event of events) {
    const data = event.data;
    const recorded = data.timestamp;
    let at = canonicalInstant(recorded);
    const canonical = !Number.isNaN(at);
    if (!canonical) at = parseInstant(recorded);
    if (until !== undefined && at > until) continue;
    if (event.type === 'MessageReceived') {
      const known = inbound.get(data.messageId);
      if (!known) {
        const message: Inbound = { inbound: true, id: data.messageId, at, kind: event.data.kind, referral: event.data.referral !== undefined, position: event.position };
        inbound.set(data.messageId, message);
        steps.push(message);
      } else if (at < known.at) {
        known.at = at;
        known.kind = event.data.kind;
        known.referral = event.data.referral !== undefined;
        known.position = event.position;
      }
      continue;
    }
    let message = outbound.get(data.messageId);
    if (!message) {
      message = { inbound: false, id: data.messageId, at, sentAt: undefined, template: undefined, inferred: false, deliveredAt: undefined, deliveredIso: undefined, deliveryPosition: undefined, deliveredBy: 'MessageDelivered', failedAt: undefined, failedPosition: undefined, unpriced: undefined };
      outbound.set(data.messageId, message);
      steps.push(message);
    }
    switch (event.type) {
      case 'MessageSent':
        if (message.sentAt === undefined || at < message.sentAt) message.sentAt = at;
        if (event.data.template) {
          message.template = event.data.template;
          message.inferred = false;
        }
        break;
      case 'MessageDelivered':
      case 'MessageRead':
        if (message.deliveredAt === undefined || at < message.deliveredAt) {
          message.deliveredAt = at;
          message.deliveredIso = canonical ? recorded : undefined;
          message.deliveryPosition = event.position;
          message.deliveredBy = event.type;
        }
        if (!message.template) inferTemplate(message, event.data.stated);
        break;
      case 'MessageFailed':
        if (message.failedAt === undefined || at < message.failedAt) {
          message.failedAt = at;
          message.failedPosition = event.position;
        }
        break;
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  }
  for (const step of steps) if (!step.inbound) step.at = step.deliveredAt ?? step.failedAt ?? step.sentAt!;
  return sortSteps(steps);
}

/**
 * A thread's events mostly arrive in order and are few, so an insertion sort finishes in about
 * one pass and allocates nothing, where Array.prototype.sort copies; long threads use the latter.
 */
function sortSteps(steps: Step[]): Step[] {
  if (steps.length > 64) return steps.sort(byTime);
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i]!;
    let j = i - 1;
    while (j >= 0 && byTime(steps[j]!, step) > 0) {
      steps[j + 1] = steps[j]!;
      j--;
    }
    steps[j + 1] = step;
  }
  return steps;
}

function byTime(a: Step, b: Step): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.inbound !== b.inbound) return a.inbound ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A delivery of a message without a recorded template: Meta's stated category stands in for the
 * template category when it names one; a category no policy prices (Meta's per-token AI agent)
 * keeps the message from being charged as service; otherwise it is a non-template message.
 */
function inferTemplate(message: Outbound, stated: StatedPricing | undefined): void {
  const category = normaliseCategory(stated?.pricing?.category);
  const base = category === 'authentication_international' ? 'authentication' : category;
  if (base && TEMPLATE_CATEGORIES.has(base)) {
    message.template = { name: '(unrecorded)', category: base as TemplateCategory };
    message.inferred = true;
    message.unpriced = undefined;
  } else if (base !== undefined && !PRICED_CATEGORIES.has(base)) {
    message.unpriced = base;
  }
}

/** Meta spells categories several ways; `marketing_lite` is marketing; unknown values are kept as they are. */
export function normaliseCategory(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase().replace(/-/g, '_');
  if (lower === 'customer_initiated') return 'user_initiated';
  if (lower === 'marketing_lite') return 'marketing';
  return lower;
}

/** Whether some policy prices a category Meta stated (spelled any of its ways). */
export function pricedCategory(value: string): boolean {
  const category = normaliseCategory(value)!;
  return PRICED_CATEGORIES.has(category);
}

