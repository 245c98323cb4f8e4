import { Inject, Injectable } from '@nestjs/common';
import type { AccountRegisteredData, AccountSettingsChangedData, PhoneNumberAttachedData, RateCardPublishedData, RateCardWithdrawnData } from '../../projections/events.js';
import { accountStream, rateCardStream } from '../../projections/events.js';
import { EventStore, prefixEnd } from '../event-store/event-store.port.js';
import { LedgerError, notFound } from '../common/ledger-error.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { formatPosition } from '../event-store/position.js';
import { eventIdOf } from '../common/command-context.js';

const ACCOUNT_PREFIX = accountStream('');

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export interface AccountRecord {
  readonly account: AccountRegisteredData;
  readonly numbers: ReadonlySet<string>;
  /** Numbers attached before ids were scoped to their account: their threads keep the streams they had. */
  readonly legacy: ReadonlySet<string>;
}

/** How an event came to be: an auditor reads it beside every setting. */
export interface Recorded {
  readonly recordedAt: string | null;
  readonly actor: string | null;
  readonly source: string | null;
  readonly position: string;
}

/** An account as its own stream tells it: registration, every dated change, every number. */
export interface AccountHistory {
  readonly registered: AccountRegisteredData & { readonly recorded: Recorded };
  readonly settings: readonly (AccountSettingsChangedData & { readonly recorded: Recorded })[];
  readonly numbers: readonly (PhoneNumberAttachedData & { readonly recorded: Recorded })[];
}

/** A rate card's versions as its stream tells them, in publication order, and those withdrawn (with why). */
export interface CardHistory {
  readonly published: readonly RateCardPublishedData[];
  readonly withdrawn: ReadonlyMap<string, string>;
}

/** The checks a command makes before it appends. */
export interface Directory {
  cardHistory(rateCardId: string): Promise<CardHistory>;
  /** The WABAs registered into a business portfolio. */
  portfolioMembers(portfolioId: string): Promise<string[]>;
  require(wabaId: string, scope: Scope, field?: string): Promise<AccountRecord>;
  requireNumber(wabaId: string, phoneNumberId: string, scope: Scope, prefix?: string): Promise<AccountRecord>;
}

/**
 * What commands check before they append: the account exists, the number belongs to it. It
 * reads the account's own stream, the source of truth, not a read model that may lag. Accounts
 * and numbers are only ever added, so a positive answer is cached and a negative one re-read.
 */
@Injectable()
export class AccountDirectory implements Directory {
  private readonly cache = new Map<string, AccountRecord>();

  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  /** Read from every account stream's registration (a range of the stream index): asked only when a scoped key registers an account. */
  async portfolioMembers(portfolioId: string): Promise<string[]> {
    const members: string[] = [];
    for await (const page of this.store.readRange(ACCOUNT_PREFIX, prefixEnd(ACCOUNT_PREFIX), await this.store.lastPosition())) {
      for (const event of page) {
        if (event.type === 'AccountRegistered' && (event.data as AccountRegisteredData).portfolioId === portfolioId) members.push((event.data as AccountRegisteredData).wabaId);
      }
    }
    return members;
  }

  async find(wabaId: string): Promise<AccountRecord | undefined> {
    const cached = this.cache.get(wabaId);
    if (cached) return cached;
    let account: AccountRegisteredData | undefined;
    const numbers = new Set<string>();
    const legacy = new Set<string>();
    for await (const event of this.store.readStream(accountStream(wabaId))) {
      if (event.type === 'AccountRegistered') account = event.data as AccountRegisteredData;
      if (event.type === 'PhoneNumberAttached') {
        const { phoneNumberId } = event.data as PhoneNumberAttachedData;
        numbers.add(phoneNumberId);
        if (event.id === eventIdOf(event.type, phoneNumberId)) legacy.add(phoneNumberId);
      }
    }
    if (!account) return undefined;
    const record = { account, numbers, legacy };
    this.cache.set(wabaId, record);
    return record;
  }

  /** Read from the card's own stream each time: a card command decides on every version published before it. */
  async cardHistory(rateCardId: string): Promise<CardHistory> {
    const published: RateCardPublishedData[] = [];
    const withdrawn = new Map<string, string>();
    for await (const event of this.store.readStream(rateCardStream(rateCardId))) {
      if (event.type === 'RateCardPublished') published.push(event.data as RateCardPublishedData);
      if (event.type === 'RateCardWithdrawn') {
        const data = event.data as RateCardWithdrawnData;
        withdrawn.set(data.version, data.reason);
      }
    }
    return { published, withdrawn };
  }

  /** The account's stream, every event with when and by whom it was recorded; settings in effective order. */
  async history(wabaId: string, scope: Scope): Promise<AccountHistory> {
    let registered: AccountHistory['registered'] | undefined;
    const settings: (AccountSettingsChangedData & { recorded: Recorded })[] = [];
    const numbers: (PhoneNumberAttachedData & { recorded: Recorded })[] = [];
    if (inScope(scope, wabaId)) {
      for await (const event of this.store.readStream(accountStream(wabaId))) {
        const meta = event.metadata;
        const recorded: Recorded = { recordedAt: text(meta.recordedAt), actor: text(meta.actor), source: text(meta.source), position: formatPosition(event.position) };
        if (event.type === 'AccountRegistered') registered = { ...(event.data as AccountRegisteredData), recorded };
        if (event.type === 'AccountSettingsChanged') settings.push({ ...(event.data as AccountSettingsChangedData), recorded });
        if (event.type === 'PhoneNumberAttached') numbers.push({ ...(event.data as PhoneNumberAttachedData), recorded });
      }
    }
    if (!registered) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, 'wabaId');
    // Stable: changes of one date keep the order they were recorded in, which is the order they apply in.
    settings.sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0));
    return { registered, settings, numbers };
  }

  /** Whether an account (and a number of it) is registered now: a number not seen yet is read again. */
  async has(wabaId: string, phoneNumberId?: string): Promise<boolean> {
    let record = await this.find(wabaId);
    if (!record || phoneNumberId === undefined || record.numbers.has(phoneNumberId)) return record !== undefined;
    this.cache.delete(wabaId);
    record = await this.find(wabaId);
    return record?.numbers.has(phoneNumberId) ?? false;
  }

  /** Outside the caller's scope looks exactly like absent: a key never learns another account exists. */
  async require(wabaId: string, scope: Scope, field = 'wabaId'): Promise<AccountRecord> {
    const record = inScope(scope, wabaId) ? await this.find(wabaId) : undefined;
    if (!record) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, field);
    return record;
  }

  async requireNumber(wabaId: string, phoneNumberId: string, scope: Scope, prefix = ''): Promise<AccountRecord> {
    let record = await this.require(wabaId, scope, `${prefix}wabaId`);
    if (!record.numbers.has(phoneNumberId)) {
      this.cache.delete(wabaId);
      record = await this.require(wabaId, scope, `${prefix}wabaId`);
    }
    if (!record.numbers.has(phoneNumberId)) {
      throw new LedgerError('PHONE_NUMBER_UNKNOWN', `phone number ${phoneNumberId} is not attached to account ${wabaId}`, 404, `${prefix}phoneNumberId`);
    }
    return record;
  }
}
