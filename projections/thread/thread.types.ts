import type { AccountRegisteredData, AccountSettingsChangedData } from '../events.js';
import type { Category, Charge, Era } from '../policies/policy.js';

/** What the engine needs to know of the WABA a thread belongs to: its registration and its dated settings changes. */
export interface AccountContext extends AccountRegisteredData {
  readonly changes?: readonly AccountSettingsChangedData[];
}

export interface BillableUnit {
  /** `${kind}:${messageId of the delivery that opened or charged it}`: stable across replays. */
  readonly id: string;
  readonly wabaId: string;
  readonly phoneNumberId: string;
  readonly customer: string;
  readonly kind: 'conversation' | 'message';
  readonly category: Category;
  readonly market: string;
  readonly country: string | undefined;
  /** The delivery instant that opened (conversation) or charged (message) the unit. */
  readonly openedAt: string;
  readonly expiresAt?: string;
  readonly charge: Charge;
  readonly era: Era;
  /** The instant that picks the rate card (era A: when the template was sent). */
  readonly pricedAt: string;
  readonly messageIds: readonly string[];
}

export interface OpenConversation {
  readonly category: Category;
  readonly openedAt: string;
  readonly expiresAt: string;
  readonly unitId: string;
}

/** The windows of one thread at one instant. */
export interface Windows {
  readonly at: string;
  readonly customerService: { readonly open: boolean; readonly expiresAt: string | null };
  readonly conversations: readonly OpenConversation[];
  readonly freeEntryPoint: { readonly open: boolean; readonly expiresAt: string | null };
}

export type Action = 'opened' | 'absorbed' | 'charged' | 'free' | 'none';

/** One step of the fold, as an auditor reads it. */
export interface Decision {
  readonly at: string;
  readonly event: string;
  readonly messageId: string;
  readonly position?: string;
  readonly era: Era | null;
  readonly before: Windows;
  /** The windows once the step is taken, at the same instant: what a time line draws. */
  readonly after: Windows;
  readonly rule: string;
  readonly explanation: string;
  readonly action: Action;
  readonly unitId?: string;
}

export interface ThreadResult {
  readonly units: BillableUnit[];
  readonly windows: Windows;
  readonly decisions: Decision[];
}
