import type { Positioned, TemplateCategory } from '../events.js';
import type { CustomerMarket, MarketMap, MarketMapVersion } from '../markets/market-map.js';
import type { Category, Charge, Policy } from '../policies/policy.js';
import type { PolicyTimeline } from '../policies/timeline.js';
import { freeEntryPointHours } from '../policies/timeline.js';
import { HOUR, isoOf } from '../time/zone-calendar.js';
import type { Calendar } from '../time/zone-calendar.js';
import { AccountTerms } from '../accounts/account-terms.js';
import type { AccountContext, Action, BillableUnit, Decision, OpenConversation, ThreadResult, Windows } from './thread.types.js';
import { text } from '../shared/compare.js';
import { normalise } from './steps.js';
import type { Inbound, Outbound, Step } from './steps.js';

export interface EngineContext {
  readonly markets: MarketMap;
  readonly timeline: PolicyTimeline;
}

export interface FoldOptions {
  /** Fold only what happened up to this instant (windows "as at"). */
  readonly until?: number;
  /** Record every decision for the audit trail; off for bulk rating. */
  readonly trace?: boolean;
}

interface MutableUnit extends Omit<BillableUnit, 'messageIds'> {
  messageIds: string[];
}

interface Open {
  unit: MutableUnit;
  until: number;
  openedAt: number;
}

const NEVER = Number.NEGATIVE_INFINITY;

/**
 * Stage 1: the history of one (business number, customer) thread -> its billable units, its
 * windows, and the decision behind each step. Pure: everything comes in as arguments.
 *
 * Ordering: by timestamp; equal timestamps put the customer's messages before the business's
 * deliveries, then message ids. Decision: content decides ties, not arrival, so the order in
 * which webhooks happened to arrive can never change a bill.
 */
export function foldThread(
  events: readonly Positioned[],
  account: AccountContext,
  context: EngineContext,
  options: FoldOptions = {},
): ThreadResult {
  const first = events[0];
  if (!first) return { units: [], windows: emptyWindows(options.until), decisions: [] };
  const { phoneNumberId, customer } = first.data;
  const terms = AccountTerms.of(account);
  const steps = normalise(events, options.until);
  const fold = new ThreadFold(account, terms, context, phoneNumberId, customer, options.trace ?? false);
  for (const step of steps) fold.apply(step);
  const end = options.until ?? (steps.length ? steps[steps.length - 1]!.at : 0);
  let windows: Windows | undefined;
  // A bulk replay never asks for the windows: they are drawn on first read.
  return {
    units: fold.units,
    get windows() {
      return (windows ??= fold.snapshot(end));
    },
    decisions: fold.decisions,
  };
}

class ThreadFold {
  readonly units: MutableUnit[] = [];
  readonly decisions: Decision[] = [];
  private cswUntil = NEVER;
  private referralAt = NEVER;
  private fepUntil = NEVER;
  private fep: Open | undefined;
  private readonly conversations = new Map<string, Open>();
  private country: string | undefined;
  private placedBy: MarketMapVersion | undefined;
  private placed: CustomerMarket | undefined;
  private ruling: { rule: string; action: Action; text: string } = { rule: '', action: 'none', text: '' };

  private readonly calendar: Calendar;

  constructor(
    private readonly account: AccountContext,
    private readonly terms: AccountTerms,
    private readonly context: EngineContext,
    private readonly phoneNumberId: string,
    private readonly customer: string,
    private readonly trace: boolean,
  ) {
    this.calendar = terms.calendar;
    this.country = context.markets.countryOf(customer);
  }

  apply(step: Step): void {
    if (step.inbound) this.receive(step, step.at);
    else this.deliver(step, step.at);
  }

  private receive(message: Inbound, at: number): void {
    const policy = this.policyAt(at);
    const before = this.trace ? this.snapshot(at) : undefined;
    const callFrom = policy?.callsOpenWindowFrom;
    if (message.kind === 'call' && !(callFrom && at >= this.calendar.midnight(callFrom))) {
      if (before) this.note(before, at, 'MessageReceived', message.id, message.position, policy, 'call-before-2025-07', 'A call opens the customer service window only from 2025-07-01.', 'none');
      return;
    }
    const hours = policy?.customerServiceWindowHours ?? 24;
    const reopened = at >= this.cswUntil;
    this.cswUntil = at + hours * HOUR;
    if (message.referral) this.referralAt = at;
    if (before) {
      const rule = message.referral ? 'referral-received' : reopened ? 'csw-opened' : 'csw-restarted';
      const text = `Customer message${message.referral ? ' from an ad or page (referral)' : ''}: the customer service window ${reopened ? 'opens' : 'restarts'} for ${hours} h, until ${isoOf(this.cswUntil)}. It costs nothing by itself.`;
      this.note(before, at, 'MessageReceived', message.id, message.position, policy, rule, text, 'none');
    }
  }

  private deliver(message: Outbound, at: number): void {
    const before = this.trace ? this.snapshot(at) : undefined;
    if (message.deliveredAt === undefined) {
      if (!before) return;
      const failed = message.failedAt !== undefined;
      this.note(
        before,
        at,
        failed ? 'MessageFailed' : 'MessageSent',
        message.id,
        failed ? message.failedPosition : undefined,
        this.policyAt(at),
        failed ? 'failed-never-charged' : 'not-delivered',
        failed ? 'The message failed and was never delivered: it is never charged and opens nothing.' : 'Sent but not delivered (yet): nothing opens until a delivered or read status.',
        'none',
      );
      return;
    }
    const policy = this.policyAt(at);
    const event = message.deliveredBy;
    if (!message.template && message.unpriced !== undefined) {
      const text = `Meta states the category ${message.unpriced}, which no pricing policy prices: recorded, not charged (reconciliation reports it).`;
      if (before) this.note(before, at, event, message.id, message.deliveryPosition, policy, 'category-unpriced', text, 'none');
      return;
    }
    if (!policy) {
      if (before) this.note(before, at, event, message.id, message.deliveryPosition, undefined, 'no-era', 'Delivered before any pricing era: not charged.', 'none');
      return;
    }
    const unit = this.decide(policy, message, at);
    if (!before) return;
    const { rule, action, text } = this.ruling;
    const why = message.inferred ? `${text} The send was never recorded: the category is the one Meta stated.` : text;
    this.note(before, at, event, message.id, message.deliveryPosition, policy, rule, why, action, unit?.id);
  }

  /** Records the rule behind the delivery at hand; called only when tracing, so a bulk replay builds no text. */
  private ruled(rule: string, action: Action, text: string): void {
    this.ruling = { rule, action, text };
  }

  private decide(policy: Policy, message: Outbound, at: number): MutableUnit | undefined {
    switch (policy.model) {
      case 'notification':
        return this.notification(policy, message, at);
      case 'business_session':
        return this.businessSession(policy, message, at);
      case 'conversation_v1':
        return this.conversationV1(policy, message, at);
      case 'conversation_by_category':
        return this.conversationByCategory(policy, message, at);
      case 'per_message':
        return this.perMessage(policy, message, at);
      default: {
        const unhandled: never = policy.model;
        return unhandled;
      }
    }
  }

  // Era A: free inside the care window; each template outside it is charged.
  private notification(policy: Policy, message: Outbound, at: number): MutableUnit | undefined {
    const template = message.template;
    if (at < this.cswUntil) {
      if (this.trace) this.ruled('A-inside-window', 'free', 'Delivered inside the 24 h customer care window: free.');
      return this.open(policy, message, at, 'message', template ? 'template' : 'service', 'free_customer_service');
    }
    if (!template) {
      if (this.trace) this.ruled('A-non-template', 'free', 'A non-template message outside the window is not a notification: not charged.');
      return this.open(policy, message, at, 'message', 'service', 'free_customer_service');
    }
    const delay = message.sentAt === undefined ? 0 : at - message.sentAt;
    const maxDelay = policy.maxDeliveryDelayHours;
    if (maxDelay !== undefined && delay > maxDelay * HOUR) {
      if (this.trace) this.ruled('A-late-delivery', 'none', `Delivered more than ${maxDelay / 24} days after it was sent: not charged.`);
      return undefined;
    }
    if (this.trace) this.ruled('A-template-outside-window', 'charged', 'A template delivered outside the customer care window is charged, at the card in force when it was sent.');
    return this.open(policy, message, at, 'message', 'template', 'regular', message.sentAt);
  }

  // Era A': one charge per 24 h business session, opened by a delivery when none is open.
  private businessSession(policy: Policy, message: Outbound, at: number): MutableUnit {
    const open = this.conversations.get('business_session');
    if (open && at < open.until) {
      if (this.trace) this.ruled("A'-inside-session", 'absorbed', `Inside the business session open until ${isoOf(open.until)}: free.`);
      return this.absorb(open, message);
    }
    if (this.trace) this.ruled("A'-session-opened", 'opened', `No business session open: this delivery opens one for ${policy.conversationHours} h.`);
    return this.openConversation(policy, message, at, 'business_session', 'business_session', 'regular', policy.conversationHours!);
  }

  // Era B: one conversation at a time, typed by whether the delivery fell inside the CSW.
  private conversationV1(policy: Policy, message: Outbound, at: number): MutableUnit {
    const inFreeEntryPoint = this.insideFreeEntryPoint('B', message, at);
    if (inFreeEntryPoint) return inFreeEntryPoint;
    const open = this.conversations.get('conversation');
    if (open && at < open.until) {
      if (this.trace) this.ruled('B-inside-conversation', 'absorbed', `Inside the ${open.unit.category} conversation open until ${isoOf(open.until)}: free.`);
      return this.absorb(open, message);
    }
    const inWindow = at < this.cswUntil;
    if (inWindow && this.referralOpen(policy, at)) {
      const unit = this.openFreeEntryPoint(policy, message, at);
      if (this.trace) this.ruled('B-free-entry-point', 'opened', `A user-initiated conversation after a referral: free entry point for ${this.hoursOf(unit)} h, outside the free tier.`);
      return unit;
    }
    const category: Category = inWindow ? 'user_initiated' : 'business_initiated';
    if (this.trace) {
      const kind = category.replace('_', '-');
      this.ruled(`B-${kind}`, 'opened', `No conversation open: this delivery opens a ${kind} conversation (${inWindow ? 'inside' : 'outside'} the customer service window) for ${policy.conversationHours} h.`);
    }
    return this.openConversation(policy, message, at, 'conversation', category, 'regular', policy.conversationHours!);
  }

  // Era C: one conversation per category; a free entry point closes and blocks them all.
  private conversationByCategory(policy: Policy, message: Outbound, at: number): MutableUnit {
    const inFreeEntryPoint = this.insideFreeEntryPoint('C', message, at);
    if (inFreeEntryPoint) return inFreeEntryPoint;
    if (this.referralOpen(policy, at)) {
      for (const open of this.conversations.values()) open.until = Math.min(open.until, at);
      const unit = this.openFreeEntryPoint(policy, message, at);
      if (this.trace) this.ruled('C-free-entry-point', 'opened', `A reply within 24 h of a referral: a free-entry-point conversation for ${this.hoursOf(unit)} h; open conversations close.`);
      return unit;
    }
    const template = message.template;
    if (template) {
      const open = this.conversations.get(template.category);
      if (open && at < open.until) {
        if (this.trace) this.ruled('C-category-open', 'absorbed', `A ${template.category} conversation is open until ${isoOf(open.until)}: no new charge.`);
        return this.absorb(open, message);
      }
      const category = this.templateCategory(policy, template.category, at);
      if (this.trace) this.ruled('C-conversation-opened', 'opened', `No ${template.category} conversation open: this template opens a ${category} conversation for ${policy.conversationHours} h.`);
      return this.openConversation(policy, message, at, template.category, category, 'regular', policy.conversationHours!);
    }
    const open = this.earliestOpen(at);
    if (open) {
      if (this.trace) this.ruled('C-service-absorbed', 'absorbed', `A ${open.unit.category} conversation is open until ${isoOf(open.until)}: a non-template message opens nothing.`);
      return this.absorb(open, message);
    }
    const free = policy.freeServiceFrom !== undefined && at >= this.calendar.midnight(policy.freeServiceFrom);
    if (this.trace) {
      const text = `No conversation open: a non-template message opens a service conversation for ${policy.conversationHours} h${free ? ', free from 2024-11-01' : ''}.`;
      this.ruled(free ? 'C-service-free' : 'C-service-opened', 'opened', text);
    }
    return this.openConversation(policy, message, at, 'service', 'service', free ? 'free_customer_service' : 'regular', policy.conversationHours!);
  }

  // Eras D and E: every delivered template is a unit; the CSW and the FEP window decide what is free.
  private perMessage(policy: Policy, message: Outbound, at: number): MutableUnit {
    const template = message.template;
    const carried = template && policy.carriesOpenConversations?.includes(template.category) ? this.conversations.get(template.category) : undefined;
    if (carried && at < carried.until) {
      if (this.trace) this.ruled('C-to-D-open-conversation', 'absorbed', `A ${template!.category} conversation opened under conversation pricing is open until ${isoOf(carried.until)}: it absorbs this template for free.`);
      return this.absorb(carried, message);
    }
    const category: Category = template ? this.templateCategory(policy, template.category, at) : 'service';
    if (at < this.fepUntil) {
      if (this.trace) this.ruled(`${policy.era}-inside-free-entry-point`, 'free', `Delivered inside the free-entry-point window open until ${isoOf(this.fepUntil)}: free.`);
      return this.open(policy, message, at, 'message', category, 'free_entry_point');
    }
    if (this.referralOpen(policy, at)) {
      const hours = freeEntryPointHours(policy, at, this.calendar);
      this.fepUntil = at + hours * HOUR;
      this.referralAt = NEVER;
      if (this.trace) this.ruled(`${policy.era}-free-entry-point`, 'free', `A reply within 24 h of a referral opens a ${hours} h free-entry-point window, until ${isoOf(this.fepUntil)}: free.`);
      return this.open(policy, message, at, 'message', category, 'free_entry_point');
    }
    const inWindow = at < this.cswUntil;
    if (!template) {
      if (policy.chargeService) {
        if (this.trace) this.ruled(`${policy.era}-service-billable`, 'charged', 'A service message: billable after the monthly free allowance per business number.');
        return this.open(policy, message, at, 'message', 'service', 'regular');
      }
      if (this.trace) this.ruled(`${policy.era}-service-free`, 'free', 'A non-template message (inside the customer service window): free.');
      return this.open(policy, message, at, 'message', 'service', 'free_customer_service');
    }
    if (template.category === 'utility' && inWindow && !policy.chargeUtilityInWindow) {
      if (this.trace) this.ruled(`${policy.era}-utility-in-window`, 'free', `A utility template inside the customer service window (open until ${isoOf(this.cswUntil)}): free.`);
      return this.open(policy, message, at, 'message', category, 'free_customer_service');
    }
    if (this.trace) {
      const why = template.category === 'utility' ? (inWindow ? 'inside the customer service window, charged in this era' : 'outside the customer service window') : 'always charged';
      this.ruled(`${policy.era}-${template.category}-charged`, 'charged', `A delivered ${category} template, ${why}.`);
    }
    return this.open(policy, message, at, 'message', category, 'regular');
  }

  /** A delivery inside an open conversation joins it: no new unit, no new charge. */
  private absorb(open: Open, message: Outbound): MutableUnit {
    open.unit.messageIds.push(message.id);
    return open.unit;
  }

  // Eras B and C: while a free-entry-point conversation is open, every delivery joins it.
  private insideFreeEntryPoint(era: 'B' | 'C', message: Outbound, at: number): MutableUnit | undefined {
    const fep = this.fep;
    if (!fep || at >= fep.until) return undefined;
    if (this.trace) this.ruled(`${era}-inside-free-entry-point`, 'absorbed', `Inside the free-entry-point conversation open until ${isoOf(fep.until)}: free.`);
    return this.absorb(fep, message);
  }

  private templateCategory(policy: Policy, category: TemplateCategory, at: number): Category {
    if (category !== 'authentication') return category;
    const country = this.country;
    const from = country ? policy.authInternationalFrom?.[country] : undefined;
    if (!country || !from) return category;
    return this.terms.international(at, country, this.calendar.midnight(from)) ? 'authentication_international' : category;
  }

  private referralOpen(policy: Policy, at: number): boolean {
    const fep = policy.freeEntryPoint;
    return fep !== undefined && this.referralAt !== NEVER && at - this.referralAt < fep.replyWithinHours * HOUR;
  }

  private openFreeEntryPoint(policy: Policy, message: Outbound, at: number): MutableUnit {
    const hours = freeEntryPointHours(policy, at, this.calendar);
    const unit = this.open(policy, message, at, 'conversation', 'referral_conversion', 'free_entry_point', undefined, at + hours * HOUR);
    this.fep = { unit, until: at + hours * HOUR, openedAt: at };
    this.fepUntil = this.fep.until;
    this.referralAt = NEVER;
    return unit;
  }

  private openConversation(policy: Policy, message: Outbound, at: number, key: string, category: Category, charge: Charge, hours: number): MutableUnit {
    const until = at + hours * HOUR;
    const unit = this.open(policy, message, at, 'conversation', category, charge, undefined, until);
    this.conversations.set(key, { unit, until, openedAt: at });
    return unit;
  }

  private open(policy: Policy, message: Outbound, at: number, kind: 'conversation' | 'message', category: Category, charge: Charge, pricedAt?: number, until?: number): MutableUnit {
    const { country, market } = this.placeAt(at);
    const openedAt = at === message.deliveredAt && message.deliveredIso !== undefined ? message.deliveredIso : isoOf(at);
    const id = `${kind}:${message.id}`;
    const { wabaId } = this.account;
    const era = policy.era;
    const priced = policy.rateCardAt === 'sent' && pricedAt !== undefined && pricedAt !== at ? isoOf(pricedAt) : openedAt;
    const messageIds = [message.id];
    const { phoneNumberId, customer } = this;
    // Two literals rather than a conditional spread: one shape each, and no copy per unit.
    const unit: MutableUnit =
      until === undefined
        ? { id, wabaId, phoneNumberId, customer, kind, category, market, country, openedAt, charge, era, pricedAt: priced, messageIds }
        : { id, wabaId, phoneNumberId, customer, kind, category, market, country, openedAt, expiresAt: isoOf(until), charge, era, pricedAt: priced, messageIds };
    this.units.push(unit);
    return unit;
  }

  /** The customer's market at an instant; re-read only when another market map version applies. */
  private placeAt(at: number): CustomerMarket {
    const version = this.context.markets.versionAt(at, this.calendar);
    if (version !== this.placedBy) {
      this.placed = this.context.markets.placeIn(version, this.customer, this.country);
      this.placedBy = version;
    }
    return this.placed!;
  }

  private earliestOpen(at: number): Open | undefined {
    let earliest: Open | undefined;
    for (const open of this.conversations.values()) {
      if (at < open.until && (!earliest || open.openedAt < earliest.openedAt)) earliest = open;
    }
    return earliest;
  }

  private hoursOf(unit: MutableUnit): number {
    return (Date.parse(unit.expiresAt!) - Date.parse(unit.openedAt)) / HOUR;
  }

  private policyAt(at: number): Policy | undefined {
    return this.context.timeline.at(at, this.calendar, this.country);
  }

  snapshot(at: number): Windows {
    const conversations: OpenConversation[] = [];
    for (const open of [...this.conversations.values(), ...(this.fep ? [this.fep] : [])]) {
      if (at < open.until && at >= open.openedAt) {
        conversations.push({ category: open.unit.category, openedAt: isoOf(open.openedAt), expiresAt: isoOf(open.until), unitId: open.unit.id });
      }
    }
    conversations.sort((a, b) => text(a.openedAt, b.openedAt) || text(a.category, b.category));
    const csw = at < this.cswUntil;
    const fep = at < this.fepUntil;
    return {
      at: isoOf(at),
      customerService: { open: csw, expiresAt: csw ? isoOf(this.cswUntil) : null },
      conversations,
      freeEntryPoint: { open: fep, expiresAt: fep ? isoOf(this.fepUntil) : null },
    };
  }

  private note(
    before: Windows,
    at: number,
    event: string,
    messageId: string,
    position: string | undefined,
    policy: Policy | undefined,
    rule: string,
    explanation: string,
    action: Action,
    unitId?: string,
  ): void {
    this.decisions.push({
      at: isoOf(at),
      event,
      messageId,
      ...(position !== undefined ? { position } : {}),
      era: policy?.era ?? null,
      before,
      after: this.snapshot(at),
      rule,
      explanation,
      action,
      ...(unitId !== undefined ? { unitId } : {}),
    });
  }
}

function emptyWindows(until: number | undefined): Windows {
  return {
    at: isoOf(until ?? 0),
    customerService: { open: false, expiresAt: null },
    conversations: [],
    freeEntryPoint: { open: false, expiresAt: null },
  };
}

