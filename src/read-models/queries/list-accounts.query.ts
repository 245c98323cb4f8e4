import { Inject } from '@nestjs/common';
import { Query, QueryHandler } from '@nestjs/cqrs';
import type { IQueryHandler } from '@nestjs/cqrs';
import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import type { MonthTerms } from '../../../projections/accounts/account-terms.js';
import type { Scope } from '../../auth/scope.js';
import { inScope } from '../../auth/scope.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { Reflecting } from '../read-model.reader.js';

export interface AccountSummary {
  readonly wabaId: string;
  readonly portfolioId: string;
  /** The terms of the latest change on (or of registration): later months are billed under them. */
  readonly latest: MonthTerms;
  readonly primaryLocation: string | null;
  readonly settingsChanges: number;
  readonly numbers: number;
}

export interface AccountsAnswer extends Reflecting {
  readonly total: number;
  readonly offset: number;
  readonly accounts: readonly AccountSummary[];
}

export class ListAccounts extends Query<AccountsAnswer> {
  constructor(
    readonly scope: Scope,
    readonly limit: number,
    readonly offset: number,
    readonly minPosition: string | undefined,
    /** Only accounts whose WABA or portfolio id contains it, in any case. */
    readonly search = '',
  ) {
    super();
  }
}

/** The accounts a key may see, by WABA id, a page at a time: a key scoped to some WABAs never learns of others. */
@QueryHandler(ListAccounts)
export class ListAccountsHandler implements IQueryHandler<ListAccounts> {
  constructor(@Inject(ReadModelReader) private readonly reader: ReadModelReader) {}

  async execute({ scope, limit, offset, minPosition, search }: ListAccounts): Promise<AccountsAnswer> {
    const { at, engine } = await this.reader.reflecting(minPosition, false);
    const needle = search.toLowerCase();
    const found = (id: string) => !needle || id.toLowerCase().includes(needle);
    const visible = [...engine.accounts.values()].filter((a) => inScope(scope, a.wabaId) && (found(a.wabaId) || found(a.portfolioId))).sort((a, b) => (a.wabaId < b.wabaId ? -1 : 1));
    const accounts = visible.slice(offset, offset + limit).map((account) => ({
      wabaId: account.wabaId,
      portfolioId: account.portfolioId,
      latest: AccountTerms.of(account).month('9999-12'),
      primaryLocation: [...(account.changes ?? [])].reverse().find((c) => c.primaryLocation)?.primaryLocation ?? account.primaryLocation ?? null,
      settingsChanges: account.changes?.length ?? 0,
      numbers: engine.numbers.get(account.wabaId)?.size ?? 0,
    }));
    return { ...at, total: visible.length, offset, accounts };
  }
}
