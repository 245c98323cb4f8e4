import type { Positioned, StatedPricing, Template, TemplateCategory } from '../events.js';
import type { MarketMap } from '../markets/market-map.js';
import type { Category, Charge, Policy } from '../policies/policy.js';
import type { PolicyTimeline } from '../policies/timeline.js';
import { freeEntryPointHours } from '../policies/timeline.js';
import { canonicalInstant, HOUR, isoOf, parseInstant, ZoneCalendar } from '../time/zone-calendar.js';
import type { AccountContext, Action, BillableUnit, Decision, OpenConversation, ThreadResult, Windows } from './thread.types.js';
import { text } from '../shared/compare.js';

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

interface Outbound {
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
  failedAt: number | undefined;
  failedPosition: string | undefined;
}

interface Inbound {
  readonly inbound: true;
  readonly id: string;
  readonly at: number;
  readonly kind: string;
  readonly referral: boolean;
  readonly position: string | undefined;
}

type Step = Inbound | Outbound;

interface MutableUnit extends Omit<BillableUnit, 'messageIds'> {
  messageIds: string[];
}

interface Open {
  unit: MutableUnit;
  until: number;
  openedAt: number;
}

const NEVER = Number.NEGATIVE_INFINITY;
const TEMPLATE_CATEGORIES = new Set<string>(['marketing', 'utility', 'authentication']);

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
  const calendar = ZoneCalendar.of(account.timezone);
  const steps = normalise(events, options.until);
  const fold = new ThreadFold(account, context, calendar, phoneNumberId, customer, options.trace ?? false);
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

/**
 * Collapses a thread's events into one record per message: duplicates vanish, a message is
 * delivered at its earliest delivered or read status, and a message with no such status
 * (failed, or not yet delivered) becomes a step that opens nothing.
 */
function normalise(events: readonly Positioned[], until: number | undefined): Step[] {
  const outbound = new Map<string, Outbound>();
  const inbound = new Map<string, Inbound>();
  for (const event of events) {
    const data = event.data;
    const recorded = data.timestamp;
    let at = canonicalInstant(recorded);
    const canonical = !Number.isNaN(at);
    if (!canonical) at = parseInstant(recorded);
    if (until !== undefined && at > until) continue;
    if (event.type === 'MessageReceived') {
      const known = inbound.get(data.messageId);
      if (!known || at < known.at) {
        inbound.set(data.messageId, { inbound: true, id: data.messageId, at, kind: event.data.kind, referral: event.data.referral !== undefined, position: event.position });
      }
      continue;
    }
    let message = outbound.get(data.messageId);
    if (!message) {
      message = { inbound: false, id: data.messageId, at, sentAt: undefined, template: undefined, inferred: false, deliveredAt: undefined, deliveredIso: undefined, deliveryPosition: undefined, failedAt: undefined, failedPosition: undefined };
      outbound.set(data.messageId, message);
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
  const steps: Step[] = [...inbound.values()];
  for (const message of outbound.values()) {
    message.at = message.deliveredAt ?? message.failedAt ?? message.sentAt!;
    steps.push(message);
  }
  return steps.sort(byTime);
}

function byTime(a: Step, b: Step): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.inbound !== b.inbound) return a.inbound ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A delivery whose send was never recorded: Meta's stated category stands in for the template
 * category when it names one; otherwise the message is taken as a non-template message.
 */
function inferTemplate(message: Outbound, stated: StatedPricing | undefined): void {
  const category = normaliseCategory(stated?.pricing?.category);
  const base = category === 'authentication_international' ? 'authentication' : category;
  if (base && TEMPLATE_CATEGORIES.has(base)) {
    message.template = { name: '(unrecorded)', category: base as TemplateCategory };
    message.inferred = true;
  }
}

/** Meta spells categories several ways; unknown values are kept as they are. */
export function normaliseCategory(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase().replace(/-/g, '_');
  if (lower === 'customer_initiated') return 'user_initiated';
  return lower;
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

  constructor(
    private readonly account: AccountContext,
    private readonly context: EngineContext,
    private readonly calendar: ZoneCalendar,
    private readonly phoneNumberId: string,
    private readonly customer: string,
    private readonly trace: boolean,
  ) {
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
      this.note(before, at, 'MessageReceived', message.id, message.position, policy, 'call-before-2025-07', 'A call opens the customer service window only from 2025-07-01.', 'none');
      return;
    }
    const hours = policy?.customerServiceWindowHours ?? 24;
    const reopened = at >= this.cswUntil;
    this.cswUntil = at + hours * HOUR;
    if (message.referral) this.referralAt = at;
    this.note(
      before,
      at,
      'MessageReceived',
      message.id,
      message.position,
      policy,
      message.referral ? 'referral-received' : reopened ? 'csw-opened' : 'csw-restarted',
      () => `Customer message${message.referral ? ' from an ad or page (referral)' : ''}: the customer service window ${reopened ? 'opens' : 'restarts'} for ${hours} h, until ${isoOf(this.cswUntil)}. It costs nothing by itself.`,
      'none',
    );
  }

  private deliver(message: Outbound, at: number): void {
    const before = this.trace ? this.snapshot(at) : undefined;
    if (message.deliveredAt === undefined) {
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
    if (!policy) {
      this.note(before, at, 'MessageDelivered', message.id, message.deliveryPosition, undefined, 'no-era', 'Delivered before any pricing era: not charged.', 'none');
      return;
    }
    const outcome = this.decide(policy, message, at);
    const text = message.inferred ? () => `${outcome.text()} The send was never recorded: the category is the one Meta stated.` : outcome.text;
    this.note(before, at, 'MessageDelivered', message.id, message.deliveryPosition, policy, outcome.rule, text, outcome.action, outcome.unit?.id);
  }

  private decide(policy: Policy, message: Outbound, at: number): { rule: string; text: () => string; action: Action; unit?: MutableUnit } {
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
  private notification(policy: Policy, message: Outbound, at: number) {
    const template = message.template;
    if (at < this.cswUntil) {
      const unit = this.open(policy, message, at, 'message', template ? 'template' : 'service', 'free_customer_service');
      return { rule: 'A-inside-window', text: () => 'Delivered inside the 24 h customer care window: free.', action: 'free' as const, unit };
    }
    if (!template) {
      const unit = this.open(policy, message, at, 'message', 'service', 'free_customer_service');
      return { rule: 'A-non-template', text: () => 'A non-template message outside the window is not a notification: not charged.', action: 'free' as const, unit };
    }
    const delay = message.sentAt === undefined ? 0 : at - message.sentAt;
    const maxDelay = policy.maxDeliveryDelayHours;
    if (maxDelay !== undefined && delay > maxDelay * HOUR) {
      return { rule: 'A-late-delivery', text: () => `Delivered more than ${maxDelay / 24} days after it was sent: not charged.`, action: 'none' as const };
    }
    const unit = this.open(policy, message, at, 'message', 'template', 'regular', message.sentAt);
    return { rule: 'A-template-outside-window', text: () => 'A template delivered outside the customer care window is charged, at the card in force when it was sent.', action: 'charged' as const, unit };
  }

  // Era A': one charge per 24 h business session, opened by a delivery when none is open.
  private businessSession(policy: Policy, message: Outbound, at: number) {
    const open = this.conversations.get('business_session');
    if (open && at < open.until) {
      open.unit.messageIds.push(message.id);
      return { rule: "A'-inside-session", text: () => `Inside the business session open until ${isoOf(open.until)}: free.`, action: 'absorbed' as const, unit: open.unit };
    }
    const unit = this.openConversation(policy, message, at, 'business_session', 'business_session', 'regular', policy.conversationHours!);
    return { rule: "A'-session-opened", text: () => `No business session open: this delivery opens one for ${policy.conversationHours} h.`, action: 'opened' as const, unit };
  }

  // Era B: one conversation at a time, typed by whether the delivery fell inside the CSW.
  private conversationV1(policy: Policy, message: Outbound, at: number) {
    const fep = this.fep;
    if (fep && at < fep.until) {
      fep.unit.messageIds.push(message.id);
      return { rule: 'B-inside-free-entry-point', text: () => `Inside the free-entry-point conversation open until ${isoOf(fep.until)}: free.`, action: 'absorbed' as const, unit: fep.unit };
    }
    const open = this.conversations.get('conversation');
    if (open && at < open.until) {
      open.unit.messageIds.push(message.id);
      return { rule: 'B-inside-conversation', text: () => `Inside the ${open.unit.category} conversation open until ${isoOf(open.until)}: free.`, action: 'absorbed' as const, unit: open.unit };
    }
    const inWindow = at < this.cswUntil;
    if (inWindow && this.referralOpen(policy, at)) {
      const unit = this.openFreeEntryPoint(policy, message, at);
      return { rule: 'B-free-entry-point', text: () => `A user-initiated conversation after a referral: free entry point for ${this.hoursOf(unit)} h, outside the free tier.`, action: 'opened' as const, unit };
    }
    const category: Category = inWindow ? 'user_initiated' : 'business_initiated';
    const unit = this.openConversation(policy, message, at, 'conversation', category, 'regular', policy.conversationHours!);
    return {
      rule: `B-${category.replace('_', '-')}`,
      text: () => `No conversation open: this delivery opens a ${category.replace('_', '-')} conversation (${inWindow ? 'inside' : 'outside'} the customer service window) for ${policy.conversationHours} h.`,
      action: 'opened' as const,
      unit,
    };
  }

  // Era C: one conversation per category; a free entry point closes and blocks them all.
  private conversationByCategory(policy: Policy, message: Outbound, at: number) {
    const fep = this.fep;
    if (fep && at < fep.until) {
      fep.unit.messageIds.push(message.id);
      return { rule: 'C-inside-free-entry-point', text: () => `Inside the free-entry-point conversation open until ${isoOf(fep.until)}: free.`, action: 'absorbed' as const, unit: fep.unit };
    }
    if (this.referralOpen(policy, at)) {
      for (const open of this.conversations.values()) open.until = Math.min(open.until, at);
      const unit = this.openFreeEntryPoint(policy, message, at);
      return { rule: 'C-free-entry-point', text: () => `A reply within 24 h of a referral: a free-entry-point conversation for ${this.hoursOf(unit)} h; open conversations close.`, action: 'opened' as const, unit };
    }
    const template = message.template;
    if (template) {
      const open = this.conversations.get(template.category);
      if (open && at < open.until) {
        open.unit.messageIds.push(message.id);
        return { rule: 'C-category-open', text: () => `A ${template.category} conversation is open until ${isoOf(open.until)}: no new charge.`, action: 'absorbed' as const, unit: open.unit };
      }
      const category = this.templateCategory(policy, template.category, at);
      const unit = this.openConversation(policy, message, at, template.category, category, 'regular', policy.conversationHours!);
      return { rule: 'C-conversation-opened', text: () => `No ${template.category} conversation open: this template opens a ${category} conversation for ${policy.conversationHours} h.`, action: 'opened' as const, unit };
    }
    const open = this.earliestOpen(at);
    if (open) {
      open.unit.messageIds.push(message.id);
      return { rule: 'C-service-absorbed', text: () => `A ${open.unit.category} conversation is open until ${isoOf(open.until)}: a non-template message opens nothing.`, action: 'absorbed' as const, unit: open.unit };
    }
    const free = policy.freeServiceFrom !== undefined && at >= this.calendar.midnight(policy.freeServiceFrom);
    const unit = this.openConversation(policy, message, at, 'service', 'service', free ? 'free_customer_service' : 'regular', policy.conversationHours!);
    return {
      rule: free ? 'C-service-free' : 'C-service-opened',
      text: () => `No conversation open: a non-template message opens a service conversation for ${policy.conversationHours} h${free ? ', free from 2024-11-01' : ''}.`,
      action: 'opened' as const,
      unit,
    };
  }

  // Eras D and E: every delivered template is a unit; the CSW and the FEP window decide what is free.
  private perMessage(policy: Policy, message: Outbound, at: number) {
    const template = message.template;
    const carried = template && policy.carriesOpenConversations?.includes(template.category) ? this.conversations.get(template.category) : undefined;
    if (carried && at < carried.until) {
      carried.unit.messageIds.push(message.id);
      return { rule: 'C-to-D-open-conversation', text: () => `A ${template!.category} conversation opened under conversation pricing is open until ${isoOf(carried.until)}: it absorbs this template for free.`, action: 'absorbed' as const, unit: carried.unit };
    }
    const category: Category = template ? this.templateCategory(policy, template.category, at) : 'service';
    if (at < this.fepUntil) {
      const unit = this.open(policy, message, at, 'message', category, 'free_entry_point');
      return { rule: `${policy.era}-inside-free-entry-point`, text: () => `Delivered inside the free-entry-point window open until ${isoOf(this.fepUntil)}: free.`, action: 'free' as const, unit };
    }
    if (this.referralOpen(policy, at)) {
      const hours = freeEntryPointHours(policy, at, this.calendar);
      this.fepUntil = at + hours * HOUR;
      this.referralAt = NEVER;
      const unit = this.open(policy, message, at, 'message', category, 'free_entry_point');
      return { rule: `${policy.era}-free-entry-point`, text: () => `A reply within 24 h of a referral opens a ${hours} h free-entry-point window, until ${isoOf(this.fepUntil)}: free.`, action: 'free' as const, unit };
    }
    const inWindow = at < this.cswUntil;
    if (!template) {
      if (policy.chargeService) {
        const unit = this.open(policy, message, at, 'message', 'service', 'regular');
        return { rule: `${policy.era}-service-billable`, text: () => 'A service message: billable after the monthly free allowance per business number.', action: 'charged' as const, unit };
      }
      const unit = this.open(policy, message, at, 'message', 'service', 'free_customer_service');
      return { rule: `${policy.era}-service-free`, text: () => 'A non-template message (inside the customer service window): free.', action: 'free' as const, unit };
    }
    if (template.category === 'utility' && inWindow && !policy.chargeUtilityInWindow) {
      const unit = this.open(policy, message, at, 'message', category, 'free_customer_service');
      return { rule: `${policy.era}-utility-in-window`, text: () => `A utility template inside the customer service window (open until ${isoOf(this.cswUntil)}): free.`, action: 'free' as const, unit };
    }
    const unit = this.open(policy, message, at, 'message', category, 'regular');
    const why = template.category === 'utility' ? (inWindow ? 'inside the customer service window, charged in this era' : 'outside the customer service window') : 'always charged';
    return { rule: `${policy.era}-${template.category}-charged`, text: () => `A delivered ${category} template, ${why}.`, action: 'charged' as const, unit };
  }

  private templateCategory(policy: Policy, category: TemplateCategory, at: number): Category {
    if (category !== 'authentication' || !this.account.authIntlEligible) return category;
    const country = this.country;
    const from = country ? policy.authInternationalFrom?.[country] : undefined;
    if (!country || !from || country === this.account.primaryLocation || !this.account.primaryLocation) return category;
    return at >= this.calendar.midnight(from) ? 'authentication_international' : category;
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
    const { country, market } = this.context.markets.resolve(this.customer, at, this.calendar);
    const openedAt = at === message.deliveredAt && message.deliveredIso !== undefined ? message.deliveredIso : isoOf(at);
    const unit: MutableUnit = {
      id: `${kind}:${message.id}`,
      wabaId: this.account.wabaId,
      phoneNumberId: this.phoneNumberId,
      customer: this.customer,
      kind,
      category,
      market,
      country,
      openedAt,
      ...(until !== undefined ? { expiresAt: isoOf(until) } : {}),
      charge,
      era: policy.era,
      pricedAt: policy.rateCardAt === 'sent' && pricedAt !== undefined && pricedAt !== at ? isoOf(pricedAt) : openedAt,
      messageIds: [message.id],
    };
    this.units.push(unit);
    return unit;
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
    before: Windows | undefined,
    at: number,
    event: string,
    messageId: string,
    position: string | undefined,
    policy: Policy | undefined,
    rule: string,
    explanation: string | (() => string),
    action: Action,
    unitId?: string,
  ): void {
    if (!before) return;
    this.decisions.push({
      at: isoOf(at),
      event,
      messageId,
      ...(position !== undefined ? { position } : {}),
      era: policy?.era ?? null,
      before,
      rule,
      explanation: typeof explanation === 'string' ? explanation : explanation(),
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

