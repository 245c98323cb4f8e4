import { createHash } from 'node:crypto';
import { Command } from '@nestjs/cqrs';
import type { AccountSettingsChangedData } from '../../../projections/events.js';
import { accountStream } from '../../../projections/events.js';
import { canonicalJson } from '../../../projections/shared/canonical-json.js';
import { rfc3339 } from '../../common/edge-rules.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { ledgerEvent } from '../../common/command-context.js';
import { LedgerError } from '../../common/ledger-error.js';
import type { Directory } from '../account-directory.js';
import type { ChangeSettingsRequest } from './change-settings.request.js';

export class ChangeSettings extends Command<Appended> {
  constructor(
    readonly request: ChangeSettingsRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

const COUNTRY = /^[A-Z]{2}$/;

/**
 * A dated settings change. Time zone, currency and rate card change a month whole, so they take
 * a month's first day. The event id is the change's content: the same change sent twice (a
 * retried request, Meta repeating a webhook) is recorded once.
 */
export async function planChangeSettings(request: ChangeSettingsRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  const { wabaId, effectiveFrom, timezone, currency, rateCardId, primaryLocation, primaryLocationVerified, authInternational, reason } = request;
  if (timezone === undefined && currency === undefined && rateCardId === undefined && primaryLocation === undefined && primaryLocationVerified === undefined && !authInternational) {
    throw new LedgerError('SETTINGS_EMPTY', 'a settings change needs at least one of timezone, currency, rateCardId, primaryLocation, primaryLocationVerified, authInternational', 400, `${prefix}effectiveFrom`);
  }
  const monthly = [timezone !== undefined && 'timezone', currency !== undefined && 'currency', rateCardId !== undefined && 'rateCardId'].filter(Boolean);
  if (monthly.length && !effectiveFrom.endsWith('-01')) {
    throw new LedgerError('SETTINGS_NOT_MONTH_START', `${monthly.join(' and ')} change a month whole: effectiveFrom must be the first day of a month, got ${effectiveFrom}`, 400, `${prefix}effectiveFrom`);
  }
  const countries: Record<string, string> = {};
  for (const [country, start] of Object.entries(authInternational?.countries ?? {})) {
    const field = `${prefix}authInternational.countries.${country}`;
    if (!COUNTRY.test(country)) throw new LedgerError('VALIDATION_FAILED', `${country} is not an ISO 3166 alpha-2 code`, 400, field);
    countries[country] = instant(start, field);
  }
  await directory.require(wabaId, context.scope, `${prefix}wabaId`);
  const data: AccountSettingsChangedData = {
    wabaId,
    effectiveFrom,
    ...(timezone !== undefined ? { timezone } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(rateCardId !== undefined ? { rateCardId } : {}),
    ...(primaryLocation !== undefined ? { primaryLocation } : {}),
    ...(primaryLocationVerified !== undefined ? { primaryLocationVerified } : {}),
    ...(authInternational
      ? { authInternational: { startTime: instant(authInternational.startTime, `${prefix}authInternational.startTime`), ...(Object.keys(countries).length ? { countries } : {}) } }
      : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
  const key = createHash('sha256').update(canonicalJson(data)).digest('hex').slice(0, 24);
  return {
    stream: accountStream(wabaId),
    events: [ledgerEvent('AccountSettingsChanged', `${wabaId}:${effectiveFrom}:${key}`, data, context)],
    expected: 'any',
    conflict: { code: 'SETTINGS_CONFLICT', field: 'effectiveFrom', what: `settings of account ${wabaId} from ${effectiveFrom}` },
  };
}

/** The edge's reading of an instant, stored in the canonical UTC form so that equal changes have equal ids. */
function instant(value: unknown, field: string): string {
  const at = typeof value === 'string' ? rfc3339(value) : Number.NaN;
  if (Number.isNaN(at)) throw new LedgerError('VALIDATION_FAILED', `${String(value)} is not an RFC 3339 instant with Z or an offset, from 2018-01-01 on`, 400, field);
  return new Date(at).toISOString();
}
