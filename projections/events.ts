/**
 * The ledger's events: the contract every other part speaks. Plain data with string `type`
 * literals; timestamps are ISO-8601 UTC strings, money is decimal strings.
 */

export interface EventMetadata {
  readonly eventId: string;
  /** The ledger's clock when the event was recorded: what "as known at" replays cut on. */
  readonly recordedAt: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly source: 'api' | 'webhook' | 'import' | 'job';
  readonly schemaVersion: number;
}

export type TemplateCategory = 'marketing' | 'utility' | 'authentication';

export interface AccountRegisteredData {
  readonly wabaId: string;
  readonly portfolioId: string;
  readonly timezone: string;
  readonly currency: string;
  readonly rateCardId: string;
  readonly primaryLocation?: string;
  /** Whether Meta verified the primary location; a registered one is taken as verified unless this says false. */
  readonly primaryLocationVerified?: boolean;
}

/** Meta's authentication-international eligibility: permanent once granted. Instants are ISO-8601 UTC. */
export interface AuthInternationalGrant {
  /** The business's start time. */
  readonly startTime: string;
  /** Per-country start times (ISO alpha-2 -> instant) that replace the business's for that country. */
  readonly countries?: Readonly<Record<string, string>>;
}

/**
 * Settings from a local date on (00:00 in the WABA's time zone then in force). Only the fields
 * given change. Time zone, currency and rate card change only on the first day of a month.
 */
export interface AccountSettingsChangedData {
  readonly wabaId: string;
  readonly effectiveFrom: string;
  readonly timezone?: string;
  readonly currency?: string;
  readonly rateCardId?: string;
  readonly primaryLocation?: string;
  readonly primaryLocationVerified?: boolean;
  readonly authInternational?: AuthInternationalGrant;
  /** Schema 1: eligible from `effectiveFrom`, read as a grant starting at its midnight. */
  readonly authIntlEligibility?: boolean;
  readonly reason?: string;
}

export interface PhoneNumberAttachedData {
  readonly wabaId: string;
  readonly phoneNumberId: string;
  readonly displayNumber?: string;
}

export interface ThreadKey {
  readonly wabaId: string;
  readonly phoneNumberId: string;
  /** The customer's wa_id: digits of the international number, no '+'. */
  readonly customer: string;
}

export interface Referral {
  /** 'ad' or 'post' in Meta's payloads; other values are kept as received. */
  readonly sourceType: string;
  readonly sourceId?: string;
  readonly ctwaClid?: string;
}

export interface MessageReceivedData extends ThreadKey {
  readonly messageId: string;
  readonly timestamp: string;
  readonly kind: string;
  readonly referral?: Referral;
}

export interface Template {
  readonly name: string;
  readonly language?: string;
  readonly category: TemplateCategory;
}

export interface MessageSentData extends ThreadKey {
  readonly messageId: string;
  readonly timestamp: string;
  readonly template?: Template;
  readonly kind: string;
}

/** Meta's own verdict on a status webhook, kept exactly as received. */
export interface StatedPricing {
  readonly pricing?: {
    readonly billable?: boolean;
    readonly pricing_model?: string;
    readonly category?: string;
    readonly type?: string;
    readonly [key: string]: unknown;
  };
  readonly conversation?: {
    readonly id?: string;
    readonly expiration_timestamp?: string;
    readonly origin?: { readonly type?: string };
    readonly [key: string]: unknown;
  };
}

export interface MessageStatusData extends ThreadKey {
  readonly messageId: string;
  readonly timestamp: string;
  readonly stated?: StatedPricing;
}

export interface MessageFailedData extends MessageStatusData {
  readonly errors: readonly { readonly code: number | string; readonly title?: string }[];
}

export interface RateRow {
  readonly market: string;
  readonly category: string;
  readonly price: string;
}

export interface TierRow {
  readonly market: string;
  readonly category: string;
  /** First charged message of the band, counting from 1. */
  readonly from: number;
  /** Last charged message of the band; absent for no upper bound. */
  readonly to?: number;
  readonly price: string;
}

export interface RateCardPublishedData {
  readonly rateCardId: string;
  readonly version: string;
  readonly currency: string;
  /** A local date, applied at 00:00 in each WABA's own time zone. */
  readonly effectiveFrom: string;
  readonly rates: readonly RateRow[];
  readonly tiers?: readonly TierRow[];
  /** Markets, categories and `market/category` rows of the version it follows that it leaves out on purpose. */
  readonly drops?: readonly string[];
}

/** A published version taken out: months it reached are rated again without it. */
export interface RateCardWithdrawnData {
  readonly rateCardId: string;
  readonly version: string;
  readonly reason: string;
}

export interface MarketMapEntry {
  /** Calling code, plus area code where a code is shared (+1, +7). */
  readonly prefix: string;
  readonly country: string;
  readonly market: string;
}

export interface MarketMapPublishedData {
  readonly version: string;
  readonly effectiveFrom: string;
  readonly entries: readonly MarketMapEntry[];
}

export interface InvoiceLineData {
  readonly market: string;
  readonly category: string;
  readonly charge: string;
  /** The volume band `from-to` the units fell in, or null. */
  readonly tier: string | null;
  readonly quantity: number;
  readonly unitPrice: string;
  /** quantity × unit price, unrounded. */
  readonly exactAmount: string;
  /** Rounded to the currency's minor unit by the invoice's rounding rule. */
  readonly amount: string;
  readonly rateCard: { readonly id: string; readonly version: string; readonly row: string } | null;
}

/** One change from the previous issue to a revision, per market, category, charge and tier. */
export interface AdjustmentLineData {
  readonly market: string;
  readonly category: string;
  readonly charge: string;
  readonly tier: string | null;
  readonly quantity: number;
  readonly previousUnitPrice: string | null;
  readonly unitPrice: string | null;
  /** New invoiced amount minus the previous one: adjustments add up to the change in total. */
  readonly amount: string;
}

export interface InvoiceBasis {
  readonly position: string;
  readonly rateCards: readonly { readonly id: string; readonly version: string }[];
  readonly policies: readonly { readonly era: string; readonly version: string }[];
  readonly engineVersion: string;
  /** The account settings that priced the month (AccountTerms.settingsOf); absent before engine 1.2.0. */
  readonly settings?: string;
  /** The root of the heads, at `position`, of every stream the invoice was computed from; absent on invoices issued before it was kept. */
  readonly log?: { readonly streams: number; readonly root: string };
}

export interface InvoiceIssuedData {
  readonly invoiceId: string;
  readonly wabaId: string;
  readonly period: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLineData[];
  readonly total: string;
  readonly basis: InvoiceBasis;
  /** The draft's hash: the same draft, the same hash. */
  readonly hash: string;
  /** sha256 of the document's own canonical form (every other field): an edit of the stored document shows. Absent on documents issued before it existed. */
  readonly documentHash?: string;
}

export interface InvoiceRevisedData extends InvoiceIssuedData {
  readonly supersedes: string;
  readonly reason: string;
  readonly adjustments: readonly AdjustmentLineData[];
}

export interface InvoiceVoidedData {
  readonly invoiceId: string;
  readonly wabaId: string;
  readonly period: string;
  readonly hash: string;
  readonly reason: string;
}

interface Ev<T extends string, D> {
  readonly type: T;
  readonly data: D;
  readonly metadata?: EventMetadata;
}

export type AccountRegistered = Ev<'AccountRegistered', AccountRegisteredData>;
export type AccountSettingsChanged = Ev<'AccountSettingsChanged', AccountSettingsChangedData>;
export type PhoneNumberAttached = Ev<'PhoneNumberAttached', PhoneNumberAttachedData>;
export type MessageReceived = Ev<'MessageReceived', MessageReceivedData>;
export type MessageSent = Ev<'MessageSent', MessageSentData>;
export type MessageDelivered = Ev<'MessageDelivered', MessageStatusData>;
export type MessageRead = Ev<'MessageRead', MessageStatusData>;
export type MessageFailed = Ev<'MessageFailed', MessageFailedData>;
export type RateCardPublished = Ev<'RateCardPublished', RateCardPublishedData>;
export type RateCardWithdrawn = Ev<'RateCardWithdrawn', RateCardWithdrawnData>;
export type MarketMapPublished = Ev<'MarketMapPublished', MarketMapPublishedData>;
export type InvoiceIssued = Ev<'InvoiceIssued', InvoiceIssuedData>;
export type InvoiceRevised = Ev<'InvoiceRevised', InvoiceRevisedData>;
export type InvoiceVoided = Ev<'InvoiceVoided', InvoiceVoidedData>;

export type ThreadEvent = MessageReceived | MessageSent | MessageDelivered | MessageRead | MessageFailed;

export type LedgerEvent =
  | AccountRegistered
  | AccountSettingsChanged
  | PhoneNumberAttached
  | ThreadEvent
  | RateCardPublished
  | RateCardWithdrawn
  | MarketMapPublished
  | InvoiceIssued
  | InvoiceRevised
  | InvoiceVoided;

export type LedgerEventType = LedgerEvent['type'];

/** A thread event as the engine takes it: with its ledger position, when known, for the audit trail. */
export type Positioned<E extends ThreadEvent = ThreadEvent> = E & { readonly position?: string };

/**
 * A thread's stream is its account's: two tenants may both attach a number id, and neither ever
 * writes to the other's threads. `~` is in no ledger id, so the account's part ends at the first.
 */
export function threadStream(wabaId: string, phoneNumberId: string, customer: string): string {
  return `thread-${wabaId}~${phoneNumberId}.${customer}`;
}

/** The stream of a thread on a number attached before streams named their account: such a number keeps its threads' streams. */
export function legacyThreadStream(phoneNumberId: string, customer: string): string {
  return `thread-${phoneNumberId}.${customer}`;
}

/** The WABA a thread stream names; none for a stream named before streams named their account (its first event tells). */
export function streamWaba(stream: string): string | undefined {
  const tilde = stream.startsWith('thread-') ? stream.indexOf('~') : -1;
  return tilde > 7 ? stream.slice(7, tilde) : undefined;
}

export function invoiceStream(invoiceId: string): string {
  return `invoice-${invoiceId}`;
}

export function rateCardStream(rateCardId: string): string {
  return `ratecard-${rateCardId}`;
}

export function accountStream(wabaId: string): string {
  return `account-${wabaId}`;
}
