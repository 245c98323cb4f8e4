import { Inject, Injectable } from '@nestjs/common';
import type { AccountRegisteredData, PhoneNumberAttachedData } from '../../projections/events.js';
import { accountStream } from '../../projections/events.js';
import { EventStore } from '../event-store/event-store.port.js';
import { LedgerError, notFound } from '../common/ledger-error.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';

export interface AccountRecord {
  readonly account: AccountRegisteredData;
  readonly numbers: ReadonlySet<string>;
}

/** The checks a command makes before it appends. */
export interface Directory {
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

  async find(wabaId: string): Promise<AccountRecord | undefined> {
    const cached = this.cache.get(wabaId);
    if (cached) return cached;
    let account: AccountRegisteredData | undefined;
    const numbers = new Set<string>();
    for await (const event of this.store.readStream(accountStream(wabaId))) {
      if (event.type === 'AccountRegistered') account = event.data as AccountRegisteredData;
      if (event.type === 'PhoneNumberAttached') numbers.add((event.data as PhoneNumberAttachedData).phoneNumberId);
    }
    if (!account) return undefined;
    const record = { account, numbers };
    this.cache.set(wabaId, record);
    return record;
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
