/**
 * A pricing era's named parameters. The fold and the rating read rules from here, so an
 * era is amended by changing data, not code.
 */
export type Era = 'A' | "A'" | 'B' | 'C' | 'D' | 'E';

export type Category =
  | 'marketing'
  | 'utility'
  | 'authentication'
  | 'authentication_international'
  | 'service'
  | 'user_initiated'
  | 'business_initiated'
  | 'template'
  | 'business_session'
  | 'referral_conversion';

export type Charge = 'regular' | 'free_tier' | 'free_entry_point' | 'free_customer_service';

/** How deliveries become units: per message, per 24 h conversation, or per business session. */
export type Model = 'notification' | 'business_session' | 'conversation_v1' | 'conversation_by_category' | 'per_message';

export interface FreeEntryPoint {
  /** A business reply delivered this long after a referral message opens the free entry point. */
  readonly replyWithinHours: number;
  /** How long it lasts; a dated change lets a length apply from a local date on. */
  readonly lengthHours: readonly { readonly from: string; readonly hours: number }[];
}

export interface FreeTier {
  readonly allowance: number;
  /** Who the allowance belongs to, per month. */
  readonly per: 'waba' | 'phone_number';
  readonly categories: readonly Category[] | 'all';
  /** Last local date the free tier applies, inclusive. */
  readonly until?: string;
}

export interface VolumeTiers {
  /** Whose running count: a business portfolio's WABAs together, or each WABA alone. */
  readonly pool: 'portfolio' | 'waba';
  readonly categories: readonly Category[];
  /** Categories counted together with another (Meta: authentication-international in authentication's count). */
  readonly countAs?: Partial<Record<Category, Category>>;
}

export interface Policy {
  readonly era: Era;
  readonly name: string;
  /** Part of every invoice's basis: bump it when a parameter changes. */
  readonly version: string;
  readonly model: Model;
  /** Local dates, inclusive; `to` absent while in force. */
  readonly from: string;
  readonly to?: string;
  /** Only for customers of these countries (ISO alpha-2), e.g. the Mexico pilot. */
  readonly countries?: readonly string[];
  readonly customerServiceWindowHours: number;
  /** Local date from which an inbound call opens the customer service window. */
  readonly callsOpenWindowFrom?: string;
  readonly conversationHours?: number;
  readonly freeEntryPoint?: FreeEntryPoint;
  readonly freeTier?: FreeTier;
  /** Local date from which service conversations are free. */
  readonly freeServiceFrom?: string;
  readonly volumeTiers?: VolumeTiers;
  /** Which instant picks the rate card for a unit. */
  readonly rateCardAt: 'sent' | 'opened' | 'delivered';
  /** A template delivered later than this after it was sent is not charged (era A). */
  readonly maxDeliveryDelayHours?: number;
  /** Per-message eras: whether utility templates delivered inside an open CSW are charged. */
  readonly chargeUtilityInWindow?: boolean;
  /** Per-message eras: whether non-template (service) messages are billable units. */
  readonly chargeService?: boolean;
  /** The rate-card column that prices a category when the card has no column of its own (E: service at utility). */
  readonly priceFallback?: Partial<Record<Category, Category>>;
  /** Authentication-international: country -> first local date it applies. */
  readonly authInternationalFrom?: Readonly<Record<string, string>>;
  /** Conversations of these categories opened in an earlier era keep absorbing messages until they expire. */
  readonly carriesOpenConversations?: readonly Category[];
}
