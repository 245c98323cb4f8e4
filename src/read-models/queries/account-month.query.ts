import { Query } from '@nestjs/cqrs';
import type { Scope } from '../../auth/scope.js';

/** A question about one account's month, answered once the read models reach `minPosition`. */
export abstract class AccountMonthQuery<T> extends Query<T> {
  constructor(
    readonly scope: Scope,
    readonly wabaId: string,
    readonly period: string,
    readonly minPosition: string | undefined,
  ) {
    super();
  }
}
