import { EARLIEST } from '../common/edge-rules.js';
import { LedgerError } from '../common/ledger-error.js';

/** One thing Meta's payload says, as a canonical command, or the reason the ledger does not record it. */
export type Item =
  | {
      readonly path: string;
      readonly command: Record<string, unknown>;
      readonly raw: unknown;
      /** A settings change dated by an instant: its local date is the WABA's to say, in the zone then in force. */
      readonly dateAt?: string;
    }
  | { readonly path: string; readonly ignored: string };

type Json = Record<string, unknown>;

const STATUS_TYPES: Record<string, string> = { delivered: 'MessageDelivered', read: 'MessageRead', failed: 'MessageFailed' };

/**
 * Meta's `whatsapp_business_account` webhook -> canonical commands. The entry id is the WABA;
 * `metadata.phone_number_id` the business number. Shapes the ledger needs are checked strictly
 * (a malformed payload fails whole); values it does not know (a new status, another field) are
 * reported as ignored and never fail the rest.
 */
export function readPayload(body: unknown): Item[] {
  const root = object(body, 'body');
  if (root.object !== 'whatsapp_business_account') {
    throw malformed('object', `must be "whatsapp_business_account", got ${JSON.stringify(root.object)}`);
  }
  const items: Item[] = [];
  array(root.entry, 'entry').forEach((entryValue, e) => {
    const entry = object(entryValue, `entry[${e}]`);
    const wabaId = text(entry.id, `entry[${e}].id`);
    array(entry.changes, `entry[${e}].changes`).forEach((changeValue, c) => {
      const at = `entry[${e}].changes[${c}]`;
      const change = object(changeValue, at);
      if (change.field === 'account_update') {
        items.push(accountUpdate(change.value, wabaId, entry.time, at));
        return;
      }
      if (change.field !== 'messages') {
        items.push({ path: at, ignored: `field ${JSON.stringify(change.field)} carries nothing the ledger bills` });
        return;
      }
      const value = object(change.value, `${at}.value`);
      const metadata = object(value.metadata, `${at}.value.metadata`);
      const phoneNumberId = text(metadata.phone_number_id, `${at}.value.metadata.phone_number_id`);
      const key = { wabaId, phoneNumberId };
      optionalArray(value.messages, `${at}.value.messages`).forEach((m, i) => items.push(inbound(m, key, `${at}.value.messages[${i}]`)));
      optionalArray(value.statuses, `${at}.value.statuses`).forEach((s, i) => items.push(status(s, key, `${at}.value.statuses[${i}]`)));
    });
  });
  return items;
}

function inbound(value: unknown, key: { wabaId: string; phoneNumberId: string }, path: string): Item {
  const message = object(value, path);
  const kind = text(message.type, `${path}.type`);
  if (kind === 'system') return { path, ignored: 'a system message (number change, identity change) is not the customer writing' };
  const referral = message.referral as Json | undefined;
  return {
    path,
    raw: message,
    command: {
      type: 'MessageReceived',
      ...key,
      customer: text(message.from, `${path}.from`),
      messageId: text(message.id, `${path}.id`),
      timestamp: unixTime(message.timestamp, `${path}.timestamp`),
      kind,
      ...(referral && typeof referral === 'object'
        ? {
            referral: {
              sourceType: typeof referral.source_type === 'string' ? referral.source_type : 'unknown',
              ...(typeof referral.source_id === 'string' ? { sourceId: referral.source_id } : {}),
              ...(typeof referral.ctwa_clid === 'string' ? { ctwaClid: referral.ctwa_clid } : {}),
            },
          }
        : {}),
    },
  };
}

/**
 * Meta's account updates that change what the ledger charges: authentication-international
 * eligibility (dated by its own start times) and the business's primary location (from the
 * entry's time; Meta sends it once the location is determined, so it counts as verified).
 */
function accountUpdate(value: unknown, wabaId: string, entryTime: unknown, at: string): Item {
  const update = object(value, `${at}.value`);
  const event = text(update.event, `${at}.value.event`);
  const reason = `Meta account_update ${event}`;
  if (event === 'AUTH_INTL_PRICE_ELIGIBILITY_UPDATE') {
    const path = `${at}.value.auth_international_rate_eligibility`;
    const eligibility = object(update.auth_international_rate_eligibility, path);
    const startTime = unixTime(eligibility.start_time, `${path}.start_time`);
    const countries: Record<string, string> = {};
    optionalArray(eligibility.exception_countries, `${path}.exception_countries`).forEach((c, i) => {
      const exception = object(c, `${path}.exception_countries[${i}]`);
      countries[text(exception.country_code, `${path}.exception_countries[${i}].country_code`)] = unixTime(exception.start_time, `${path}.exception_countries[${i}].start_time`);
    });
    const earliest = [startTime, ...Object.values(countries)].sort()[0]!;
    const authInternational = { startTime, ...(Object.keys(countries).length ? { countries } : {}) };
    return { path: at, raw: update, dateAt: earliest, command: { type: 'AccountSettingsChanged', wabaId, authInternational, reason } };
  }
  if (event === 'BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE') {
    const when = unixTime(entryTime, at.replace(/\.changes\[\d+\]$/, '.time'));
    return { path: at, raw: update, dateAt: when, command: { type: 'AccountSettingsChanged', wabaId, primaryLocation: text(update.country, `${at}.value.country`), primaryLocationVerified: true, reason } };
  }
  return { path: at, ignored: `account_update ${JSON.stringify(event)} changes nothing the ledger charges (volume tiers are counted from the ledger's own units)` };
}

function status(value: unknown, key: { wabaId: string; phoneNumberId: string }, path: string): Item {
  const entry = object(value, path);
  const name = text(entry.status, `${path}.status`);
  const type = STATUS_TYPES[name];
  if (!type) {
    const why = name === 'sent' ? 'a sent status: the ledger bills on delivery, and Meta repeats its pricing on the delivered status' : `status ${JSON.stringify(name)} is not one the ledger records`;
    return { path, ignored: why };
  }
  const stated = {
    ...(entry.pricing !== undefined ? { pricing: entry.pricing } : {}),
    ...(entry.conversation !== undefined ? { conversation: entry.conversation } : {}),
  };
  const errors = Array.isArray(entry.errors) ? (entry.errors as Json[]).map((e) => ({ code: typeof e.code === 'number' || typeof e.code === 'string' ? e.code : 'unknown', ...(typeof e.title === 'string' ? { title: e.title } : {}) })) : [];
  return {
    path,
    raw: entry,
    command: {
      type,
      ...key,
      customer: text(entry.recipient_id, `${path}.recipient_id`),
      messageId: text(entry.id, `${path}.id`),
      timestamp: unixTime(entry.timestamp, `${path}.timestamp`),
      ...(Object.keys(stated).length ? { stated } : {}),
      ...(type === 'MessageFailed' ? { errors } : {}),
    },
  };
}

function malformed(field: string, why: string): LedgerError {
  return new LedgerError('WEBHOOK_MALFORMED', `${field}: ${why}`, 400, field);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(path, 'must be an object');
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(path, 'must be an array');
  return value;
}

function optionalArray(value: unknown, path: string): unknown[] {
  return value === undefined ? [] : array(value, path);
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) throw malformed(path, 'must be a non-empty string');
  return value;
}

/** Meta sends Unix seconds as a string; instants before 2018 or past year 9999 are not Meta's. */
function unixTime(value: unknown, path: string): string {
  const seconds = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : typeof value === 'number' && Number.isInteger(value) ? value : NaN;
  if (!(seconds * 1000 >= EARLIEST && seconds < LAST_SECOND)) throw malformed(path, 'must be Unix seconds from 2018 on');
  return new Date(seconds * 1000).toISOString();
}

/** 10000-01-01T00:00:00Z in seconds. */
const LAST_SECOND = 253_402_300_800;
