import type { SchemaObject } from '@nestjs/swagger';
import { APPENDED, arrayOf, mapOf, money, objectOf, REFLECTING, S } from './api-doc.js';

/** The answers' schemas, for the OpenAPI: what each route returns, its money as decimal strings. */
const { str, int, bool } = S;
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
const open = (description: string): SchemaObject => ({ type: 'object', description, additionalProperties: true });
const instant = (description?: string): SchemaObject => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });

const TERMS = objectOf({ timezone: str('IANA time zone'), currency: str('ISO 4217'), rateCardId: str() }, "the terms a month is billed under");

export const ACCOUNTS = objectOf({
  ...REFLECTING,
  total: int(),
  offset: int(),
  accounts: arrayOf(objectOf({ wabaId: str(), portfolioId: str(), latest: TERMS, primaryLocation: nullable(str()), settingsChanges: int(), numbers: int() })),
});

const RECORDED = objectOf({ recordedAt: nullable(instant()), actor: nullable(str()), source: nullable(str()), position: str() }, 'who recorded it, when, and where in the log');

export const ACCOUNT_HISTORY = objectOf({
  registered: { ...open('the registration: wabaId, portfolioId, timezone, currency, rateCardId, ...'), properties: { recorded: RECORDED } },
  settings: arrayOf({ ...open('a dated settings change (AccountSettingsChanged)'), properties: { effectiveFrom: str(), recorded: RECORDED } }),
  numbers: arrayOf({ ...open('a number attached (PhoneNumberAttached)'), properties: { phoneNumberId: str(), recorded: RECORDED } }),
});

export const WINDOWS = objectOf({
  ...REFLECTING,
  wabaId: str(),
  at: instant('the instant the windows are taken at'),
  threads: arrayOf(objectOf({ phoneNumberId: str(), customer: str(), windows: open('the customer service window, the open conversations by category and the free-entry-point window at `at`') })),
});

export const UNIT = objectOf({
  id: str('`kind:messageId`, stable across replays'),
  wabaId: str(),
  phoneNumberId: str(),
  customer: str(),
  kind: { type: 'string', enum: ['conversation', 'message'] },
  category: str(),
  market: str(),
  openedAt: instant(),
  charge: str('regular, free_customer_service, free_entry_point, free_tier, ... (free allowances applied)'),
  era: str(),
  pricedAt: instant('the instant that picks the rate card'),
  messageIds: arrayOf(str()),
});

export const UNITS = objectOf({
  ...REFLECTING,
  wabaId: str(),
  period: str('YYYY-MM'),
  line: int('the draft line asked for, when one was'),
  total: int("the month's units, or the line's quantity"),
  offset: int(),
  units: arrayOf(UNIT),
  next: nullable(str('hand back as `after` for the next page; null on the last')),
});

export const RECONCILIATION = objectOf({
  ...REFLECTING,
  wabaId: str(),
  period: str(),
  messages: int('messages delivered in the month'),
  total: int('findings of the kind asked for, or of every kind, over all pages'),
  byKind: mapOf(int(), 'findings per kind'),
  findings: arrayOf(objectOf({ messageId: str(), kind: str('the disagreement: category, billable, pricing model, ...'), ledger: str("the ledger's verdict"), meta: str("Meta's stated verdict"), phoneNumberId: str(), customer: str() })),
  next: nullable(str('hand back as `after` for the next page; null on the last')),
});

const LINE = objectOf({
  market: str(),
  category: str(),
  charge: str(),
  tier: nullable(str('the volume band `from-to`')),
  quantity: int(),
  unitPrice: money(),
  exactAmount: money('quantity × unit price, unrounded'),
  amount: money('rounded to the currency minor unit'),
  rateCard: nullable(objectOf({ id: str(), version: str(), row: str() })),
});

const BASIS = objectOf({
  position: str('the log position the invoice was computed to'),
  rateCards: arrayOf(objectOf({ id: str(), version: str() })),
  policies: arrayOf(objectOf({ era: str(), version: str() })),
  engineVersion: str(),
});

export const INVOICE = objectOf({
  invoiceId: str('WABA.PERIOD'),
  wabaId: str(),
  period: str(),
  currency: str(),
  lines: arrayOf(LINE),
  total: money(),
  basis: BASIS,
  hash: str('sha256 of the document'),
  status: { type: 'string', enum: ['issued', 'revised', 'voided'] },
  revision: int('0 for the issue, one more per revision'),
});

export const INVOICE_ANSWER = { ...APPENDED, properties: { ...APPENDED.properties, invoice: INVOICE }, required: [...(APPENDED.required ?? []), 'invoice'] };

export const INVOICE_LIST = objectOf({
  invoices: arrayOf(objectOf({ invoiceId: str(), wabaId: str(), period: str(), status: str(), revision: int(), currency: str(), total: money(), hash: str() })),
});

export const INVOICE_DOCUMENTS = objectOf({
  invoiceId: str(),
  documents: arrayOf(objectOf({ type: str('InvoiceIssued, InvoiceRevised or InvoiceVoided'), position: str(), recordedAt: instant(), actor: str(), status: str(), revision: int(), data: open('the event as recorded') })),
});

export const MONTHS = objectOf({
  ...REFLECTING,
  wabaId: str(),
  months: arrayOf(
    objectOf({
      period: str('YYYY-MM, newest first'),
      draft: nullable(objectOf({ total: money(), currency: str(), hash: str() })),
      pending: bool('units changed after the draft was rated: it is being rated again'),
      blocked: int('projection failures that keep the month from being issued'),
      invoice: nullable(objectOf({ invoiceId: str(), status: str(), revision: int(), total: money(), currency: str(), hash: str() })),
    }),
  ),
});

export const DRAFT = objectOf({
  ...REFLECTING,
  hash: str('sha256 of the draft'),
  ratedAt: nullable(str('the position the draft was rated at')),
  pending: bool('true while units of the portfolio changed since it was rated: it is rated again shortly'),
  blocked: arrayOf(open('a projection failure that touches the month: it cannot be issued until cleared')),
  draft: objectOf({ wabaId: str(), period: str(), currency: str(), lines: arrayOf(LINE), total: money() }),
});

const DECISION = open('a decision of the fold: the event, its instant, the era and rule applied, the action, the unit, and the rate-card line that priced it');
const WINDOW_BAR = objectOf({ kind: { type: 'string', enum: ['customer_service', 'conversation', 'free_entry_point'] }, from: instant(), to: instant() }, 'a window the thread had open; a conversation also names its category and unitId');
export const THREAD_AUDIT = objectOf({
  ...REFLECTING,
  units: arrayOf(UNIT),
  events: arrayOf(open('a stored event of the thread: type, data and log position'), "the thread's events, as the fold took them"),
  decisions: arrayOf(DECISION),
  bars: arrayOf(WINDOW_BAR, 'the windows as bars on a time axis: customer service, conversations by category, free entry points'),
  text: str('the same, for a person'),
});

export const EXPLANATION = objectOf({
  wabaId: str(),
  period: str(),
  invoiceId: nullable(str('the issued invoice explained; null: the draft as the log stands')),
  position: str(),
  hash: str(),
  total: money(),
  lines: arrayOf({ ...LINE, properties: { ...LINE.properties, line: int(), units: arrayOf(objectOf({ unit: UNIT, events: arrayOf(open('an event of the unit')), decisions: arrayOf(DECISION) })) } }),
});

export const TIMELINE = objectOf({
  wabaId: str(),
  from: instant(),
  to: instant(),
  asOf: nullable(instant()),
  position: str(),
  entries: arrayOf(objectOf({ at: instant(), phoneNumberId: str(), customer: str(), event: str(), messageId: str(), era: nullable(str()), rule: str(), action: str(), explanation: str() })),
  drafts: arrayOf(objectOf({ period: str(), total: money(), hash: str() }), 'each month the window touches, as it was known'),
});

const VERDICT = objectOf({
  invoiceId: str(),
  revision: int(),
  status: str(),
  match: bool('true when the replay from the basis gives the issued document and every chain it was computed from holds'),
  hash: str('the stored hash'),
  recomputedHash: str(),
  breaks: arrayOf(
    objectOf({ stream: str(), revision: int(), kind: { type: 'string', enum: ['edited', 'broken', 'missing', 'unlinked'] }, detail: str() }),
    'where the chains of the streams the invoice was computed from, and its own, break',
  ),
});
export const VERIFICATION: SchemaObject = {
  ...VERDICT,
  properties: {
    ...VERDICT.properties,
    difference: { ...open('the first place the issued document and the replay part (absent on a match): a line (by number), a field, `basis.log` (the digest of the streams it was computed from), or `document` (its own seal)'), properties: { line: int(), field: str() } },
  },
};

const KEY_RECORD = objectOf({ id: str(), roles: arrayOf(str()), wabas: nullable(arrayOf(str())), label: nullable(str()), createdAt: instant(), revokedAt: nullable(instant()) });
export const API_KEY_CREATED = objectOf({ key: str('shown once: only its sha256 is stored'), record: KEY_RECORD });
export const API_KEYS = objectOf({ keys: arrayOf(KEY_RECORD) });
export const CURRENT_KEY = objectOf({ actor: str('`key:<id>`'), roles: arrayOf(str()), wabas: nullable(arrayOf(str())) });

export const BATCH_RESULTS = objectOf({ results: arrayOf(APPENDED, 'one per command, in order') });

export const HEALTH = objectOf({
  status: { type: 'string', enum: ['ok', 'degraded'] },
  store: objectOf({ kind: str(), reachable: bool() }),
  readModels: objectOf({ reachable: bool(), projection: nullable(str('the read models version')) }),
  projection: open('the slowest partition: position, ratedPosition, lag in events, failures'),
  inbox: objectOf({ lagPayloads: int('payloads waiting for the inbox processor'), parked: int('items parked') }),
  warnings: arrayOf(str()),
});

export const METRICS: SchemaObject = { type: 'string', description: 'Prometheus text exposition format' };

const PARKED = objectOf({
  id: str(),
  payload: str('sha256 of the payload'),
  revision: int('inbox revision'),
  path: str("the item's path in Meta's payload"),
  code: str('why it is parked: ACCOUNT_UNKNOWN, PHONE_NUMBER_UNKNOWN, VALIDATION_FAILED, ...'),
  reason: str(),
  wabaId: nullable(str()),
  phoneNumberId: nullable(str()),
  parkedAt: instant(),
  attempts: int(),
  command: nullable(open('the command it would record')),
});

export const PARKED_LIST = objectOf({ total: int(), parked: arrayOf(PARKED) });
export const PAYLOAD_OUTCOME = objectOf({ payload: str(), status: { type: 'string', enum: ['pending', 'processed'] }, outcome: nullable(open('items, appended, duplicates, ignored and parked items')) });
export const REDRIVE = objectOf({ tried: int(), recorded: int(), parked: int('still parked') });
export const WEBHOOK_RECEIPT = objectOf({ payload: str('sha256 of the body: GET /webhooks/payloads/{payload} tells what it came to'), duplicate: bool('already in the inbox: Meta sent it again'), position: str('inbox position') });
export const CHALLENGE: SchemaObject = { type: 'string', description: 'hub.challenge, echoed' };

const CARD_VERSION = objectOf({
  rateCardId: str(),
  version: str(),
  currency: str(),
  effectiveFrom: str('YYYY-MM-DD, at 00:00 in the account time zone'),
  status: { type: 'string', enum: ['published', 'replaced', 'withdrawn'] },
  markets: arrayOf(str()),
  categories: arrayOf(str()),
  rates: int(),
  tiers: int(),
  drops: arrayOf(str()),
});
export const RATE_CARDS = objectOf({ ...REFLECTING, cards: arrayOf(CARD_VERSION) });
export const RATE_CARD_IN_FORCE = objectOf({ ...REFLECTING, at: instant(), timezone: str(), card: nullable({ ...CARD_VERSION, properties: { ...CARD_VERSION.properties, rows: arrayOf(open('a rate row')), bands: arrayOf(open('a tier band')) } }) });
export const RATE_CARD_IMPACT = objectOf({
  version: str('the version the card would be published as'),
  invoices: arrayOf(objectOf({ invoiceId: str(), wabaId: str(), period: str(), currency: str(), issuedTotal: money(), currentTotal: money('as the published cards price it now'), withCardTotal: money(), difference: money() })),
});

export const FAILURES = objectOf({ failures: arrayOf(open('a projection failure: partition, position, stream, event type, code, message, first and last seen, attempts, account-months it blocks')) });
export const RETRY = objectOf({ requested: arrayOf(str()), remaining: arrayOf(open('a failure still on record after its partition tried it again')) });
