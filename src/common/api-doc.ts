import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';

/** Every problem code a route can answer, with its status and what it means: the OpenAPI lists them per route. */
export const PROBLEMS = {
  VALIDATION_FAILED: [400, 'a field is missing or malformed; `errors` lists every failing field'],
  BODY_MALFORMED: [400, 'the body is not JSON'],
  BODY_TOO_DEEP: [400, 'the body nests deeper than 32 levels'],
  BODY_TOO_LARGE: [413, 'the body is over 8 MiB'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'the body is not sent as application/json (or text/csv where a CSV is taken)'],
  UNAUTHENTICATED: [401, 'no API key, or an unknown or revoked one'],
  ROLE_FORBIDDEN: [403, "the key's roles may not call this route"],
  ACCOUNT_OUT_OF_SCOPE: [403, "the key's scope does not reach this account or portfolio"],
  ACCOUNT_UNKNOWN: [404, 'no such account, or none the key may see'],
  PHONE_NUMBER_UNKNOWN: [404, 'the number is not attached to the account'],
  THREAD_UNKNOWN: [404, 'no event of this business number and customer'],
  INVOICE_UNKNOWN: [404, 'no such invoice, or none the key may see'],
  LINE_UNKNOWN: [404, 'the invoice or draft has no such line'],
  RATE_CARD_UNKNOWN: [404, 'no such rate card or version'],
  PAYLOAD_UNKNOWN: [404, 'no webhook payload with this sha256'],
  API_KEY_UNKNOWN: [404, 'no such API key'],
  COMMAND_TYPE_UNKNOWN: [400, "a batch item's type is not a command"],
  EVENT_ID_CONFLICT: [409, 'the id is recorded already with other content'],
  STATUS_CONFLICT: [409, "the message's status is recorded already with another instant or content"],
  WRONG_EXPECTED_REVISION: [409, 'the stream moved on since it was read'],
  SETTINGS_EMPTY: [400, 'a settings change that changes nothing'],
  SETTINGS_NOT_MONTH_START: [400, 'time zone, currency and rate card change only from the 1st of a month'],
  RATE_CARD_INVALID: [400, 'a market unknown at the effective date, a row priced twice, or tiers with a gap or overlap'],
  RATE_CARD_CSV_INVALID: [400, "Meta's CSV cannot be read: the row and column are named"],
  RATE_CARD_CURRENCY_CHANGED: [409, 'a card id keeps one currency'],
  RATE_CARD_DROPS: [409, 'the version leaves out markets, categories or rows of the one before, and `drops` does not name them'],
  RATE_CARD_VERSION_WITHDRAWN: [409, 'the version was withdrawn'],
  PERIOD_NOT_ENDED: [409, "the month has not ended in the account's time zone (pass force)"],
  INVOICE_UNPRICED: [422, 'units no rate card prices: publish the missing rates first'],
  INVOICE_ALREADY_ISSUED: [409, 'issued already, and the draft changed since: revise it'],
  INVOICE_CONFLICT: [409, 'another document of the invoice was recorded at the same time'],
  INVOICE_VOIDED: [409, 'the invoice is void'],
  DRAFT_BLOCKED: [409, 'a projection failure touches the month: it cannot be issued or revised until retried'],
  DRAFT_NOT_SETTLED: [503, 'the draft is still being rated: retry shortly'],
  POSITION_NOT_REACHED: [503, 'the read models have not reached `minPosition` yet: retry shortly'],
  PROJECTION_NOT_READY: [503, 'the read models are being built'],
  SIGNATURE_INVALID: [401, 'X-Hub-Signature-256 is missing, malformed or does not match the body'],
  WEBHOOK_NOT_CONFIGURED: [503, 'LEDGER_META_APP_SECRET is not set (Meta retries)'],
  WEBHOOK_VERIFY_FAILED: [403, 'hub.mode or hub.verify_token does not match'],
  FAILURE_UNKNOWN: [404, 'no such projection failure'],
  UNHEALTHY: [503, 'the event store or the read models cannot be reached'],
  STORE_UNAVAILABLE: [503, 'the store cannot be reached: nothing was appended, retry'],
  STORE_BUSY: [503, 'the store is busy: nothing was appended, retry'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEMS;

/** What every write can answer besides its own refusals. */
export const WRITE_PROBLEMS: readonly ProblemCode[] = ['VALIDATION_FAILED', 'BODY_MALFORMED', 'BODY_TOO_DEEP', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'STORE_UNAVAILABLE', 'STORE_BUSY'];
/** What every read with query parameters can answer. */
export const READ_PROBLEMS: readonly ProblemCode[] = ['VALIDATION_FAILED', 'POSITION_NOT_REACHED', 'STORE_UNAVAILABLE'];

const str = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): SchemaObject => ({ type: 'integer', ...(description ? { description } : {}) });
const bool = (description?: string): SchemaObject => ({ type: 'boolean', ...(description ? { description } : {}) });
/** Money travels as an exact decimal string, never a number. */
export const money = (description = 'an exact decimal amount'): SchemaObject => ({ type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description });
export const arrayOf = (items: SchemaObject, description?: string): SchemaObject => ({ type: 'array', items, ...(description ? { description } : {}) });
export const objectOf = (properties: Record<string, SchemaObject>, description?: string): SchemaObject => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  ...(description ? { description } : {}),
});
/** An object whose keys are data (markets, kinds): only their values are typed. */
export const mapOf = (values: SchemaObject, description?: string): SchemaObject => ({ type: 'object', additionalProperties: values, ...(description ? { description } : {}) });

export const S = { str, int, bool };

const PROBLEM: SchemaObject = objectOf(
  {
    type: str('a URI naming the problem'),
    title: str(),
    status: int(),
    code: str('stable: clients branch on it'),
    detail: str('what went wrong, for a person'),
    field: str('the first failing field'),
    errors: arrayOf(objectOf({ field: str(), code: str('the rule it broke'), detail: str() }), 'every failing field'),
    instance: str('the request path'),
  },
  'RFC 9457 problem details',
);

export interface DocOptions {
  readonly summary: string;
  readonly description: string;
  /** The answer's schema; a write's `Appended` answers 201 when it appended and 200 when it was a duplicate. */
  readonly ok: SchemaObject;
  readonly status?: 200 | 201 | 204 | 'append';
  readonly errors: readonly ProblemCode[];
  /** No key needed (health, metrics, Meta's webhook); otherwise UNAUTHENTICATED and ROLE_FORBIDDEN are documented too. */
  readonly public?: boolean;
  /** Other media types the answer may take (CSV, PDF, Prometheus text). */
  readonly produces?: readonly string[];
}

/** One operation documented whole: summary, description, its answer's schema, and every problem it can answer by status and code. */
export function Doc(options: DocOptions): MethodDecorator {
  const codes = [...new Set<ProblemCode>([...(options.public ? [] : (['UNAUTHENTICATED', 'ROLE_FORBIDDEN'] as const)), ...options.errors])];
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code][0], [...(byStatus.get(PROBLEMS[code][0]) ?? []), code]);
  const content = (schema: SchemaObject): Record<string, { schema: SchemaObject }> => {
    // A text answer (metrics, the handshake's challenge) is never JSON.
    const media: Record<string, { schema: SchemaObject }> = schema.type === 'string' && options.produces ? {} : { 'application/json': { schema } };
    for (const type of options.produces ?? []) media[type] = { schema: type === 'application/pdf' ? { type: 'string', format: 'binary' } : schema.type === 'string' ? schema : { type: 'string' } };
    return media;
  };
  const success =
    options.status === 'append'
      ? [
          ApiResponse({ status: 201, description: 'appended', content: content(options.ok) }),
          ApiResponse({ status: 200, description: 'a duplicate of what is recorded: nothing appended', content: content(options.ok) }),
        ]
      : options.status === 204
        ? [ApiResponse({ status: 204, description: 'done; no body' })]
        : [ApiResponse({ status: options.status ?? 200, description: 'OK', content: content(options.ok) })];
  return applyDecorators(
    ApiOperation({ summary: options.summary, description: options.description }),
    ...(options.produces ? [ApiProduces('application/json', ...options.produces)] : []),
    ...success,
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((code) => `\`${code}\`: ${PROBLEMS[code][1]}`).join('; '),
        content: { 'application/problem+json': { schema: { ...PROBLEM, properties: { ...PROBLEM.properties, code: { type: 'string', enum: list } } } } },
      }),
    ),
  );
}

export const APPENDED: SchemaObject = objectOf(
  {
    eventId: str('the event id: the same command again has the same id'),
    stream: str(),
    revision: int('the revision of the event in its stream'),
    position: str('the log position: pass it as `minPosition` to a read to wait until the read reflects this write'),
    duplicate: bool('true when the same command was recorded already: nothing was appended'),
  },
  'what a write appended',
);

export const REFLECTING = {
  position: str('the log position the answer reflects'),
  ratedPosition: str('the position its drafts were rated at'),
  projection: str('the read models version'),
};
