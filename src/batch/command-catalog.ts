import type { ClassConstructor } from 'class-transformer';
import type { AccountRegisteredData, PhoneNumberAttachedData, RateCardPublishedData } from '../../projections/events.js';
import type { AccountRecord, CardHistory, Directory } from '../accounts/account-directory.js';
import { planAttach } from '../accounts/attach-phone-number/attach-phone-number.command.js';
import { AttachPhoneNumberRequest } from '../accounts/attach-phone-number/attach-phone-number.request.js';
import { planChangeSettings } from '../accounts/change-settings/change-settings.command.js';
import { ChangeSettingsRequest } from '../accounts/change-settings/change-settings.request.js';
import { planRegister } from '../accounts/register-account/register-account.command.js';
import { RegisterAccountRequest } from '../accounts/register-account/register-account.request.js';
import type { Role, Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import type { PlannedWrite } from '../common/append.js';
import type { CommandContext } from '../common/command-context.js';
import { LedgerError } from '../common/ledger-error.js';
import { validateAs } from '../common/validation.js';
import { planReceived } from '../messages/record-received/record-received.command.js';
import { RecordReceivedRequest } from '../messages/record-received/record-received.request.js';
import { planSent } from '../messages/record-sent/record-sent.command.js';
import { RecordSentRequest } from '../messages/record-sent/record-sent.request.js';
import { planStatus } from '../messages/record-status/record-status.command.js';
import { RecordStatusRequest } from '../messages/record-status/record-status.request.js';
import { planPublish } from '../rate-cards/publish-rate-card/publish-rate-card.command.js';
import { PublishRateCardRequest } from '../rate-cards/publish-rate-card/publish-rate-card.request.js';
import { planWithdraw } from '../rate-cards/withdraw-rate-card/withdraw-rate-card.command.js';
import { WithdrawRateCardRequest } from '../rate-cards/withdraw-rate-card/withdraw-rate-card.request.js';

interface Entry {
  readonly request: ClassConstructor<object>;
  /** Who may send it (admin always may), as on its own HTTP route. */
  readonly roles: readonly Role[];
  /** Extra fields the canonical event form leaves implicit (the status of a status event). */
  readonly implied?: Record<string, string>;
  readonly plan: (request: never, context: CommandContext, directory: Directory, prefix: string) => PlannedWrite | Promise<PlannedWrite>;
}

/**
 * Commands in canonical form: the event type and its data fields, as DESIGN.md lists them.
 * The batch endpoint and `ledger replay` read this form; each runs through the same request
 * class and the same plan as its own HTTP endpoint.
 */
const BILLING: readonly Role[] = ['billing'];
const INGEST: readonly Role[] = ['ingest', 'billing'];

export const CATALOG: Readonly<Record<string, Entry>> = {
  AccountRegistered: { request: RegisterAccountRequest, roles: BILLING, plan: (r: RegisterAccountRequest, c, d, p) => planRegister(r, c, d, p) },
  AccountSettingsChanged: { request: ChangeSettingsRequest, roles: BILLING, plan: planChangeSettings },
  PhoneNumberAttached: { request: AttachPhoneNumberRequest, roles: BILLING, plan: planAttach },
  MessageSent: { roles: INGEST, request: RecordSentRequest, plan: planSent },
  MessageReceived: { roles: INGEST, request: RecordReceivedRequest, plan: planReceived },
  MessageDelivered: { roles: INGEST, request: RecordStatusRequest, implied: { status: 'delivered' }, plan: planStatus },
  MessageRead: { roles: INGEST, request: RecordStatusRequest, implied: { status: 'read' }, plan: planStatus },
  MessageFailed: { roles: INGEST, request: RecordStatusRequest, implied: { status: 'failed' }, plan: planStatus },
  RateCardPublished: { request: PublishRateCardRequest, roles: BILLING, plan: planPublish },
  RateCardWithdrawn: { request: WithdrawRateCardRequest, roles: BILLING, plan: planWithdraw },
};

export const COMMAND_TYPES = Object.keys(CATALOG);

/** `{type, ...fields}` or `{type, data: {...}}` -> a validated, planned write. `prefix` names the item in errors. */
export async function planCanonical(plain: unknown, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new LedgerError('VALIDATION_FAILED', `${prefix || 'command'}: must be an object with a type`, 400, prefix || undefined);
  }
  const { type, data, recordedAt: _recordedAt, ...fields } = plain as Record<string, unknown>;
  // Own entries only: `__proto__` or `toString` name no command.
  const entry = typeof type === 'string' && Object.hasOwn(CATALOG, type) ? CATALOG[type] : undefined;
  if (!entry) {
    throw new LedgerError('COMMAND_TYPE_UNKNOWN', `${prefix}type must be one of ${COMMAND_TYPES.join(', ')}, got ${JSON.stringify(type)}`, 400, `${prefix}type`);
  }
  const { roles } = context.scope;
  if (!roles.includes('admin') && !entry.roles.some((role) => roles.includes(role))) {
    throw new LedgerError('ROLE_FORBIDDEN', `${prefix}type ${String(type)} needs one of the roles ${['admin', ...entry.roles].join(', ')}`, 403, `${prefix}type`);
  }
  const body = typeof data === 'object' && data !== null ? data : fields;
  const request = validateAs(entry.request, { ...body, ...entry.implied }, prefix.replace(/\.$/, ''));
  return entry.plan(request as never, context, directory, prefix);
}

/**
 * The directory a batch plans against: accounts and numbers registered earlier in the same
 * batch count, although none of it is appended until the whole batch is.
 */
export class PendingDirectory implements Directory {
  private readonly accounts = new Map<string, AccountRegisteredData>();
  private readonly numbers = new Map<string, Set<string>>();
  private readonly cards = new Map<string, RateCardPublishedData[]>();

  constructor(private readonly inner: Directory) {}

  async cardHistory(rateCardId: string): Promise<CardHistory> {
    const known = await this.inner.cardHistory(rateCardId);
    const pending = this.cards.get(rateCardId) ?? [];
    return pending.length ? { published: [...known.published, ...pending], withdrawn: known.withdrawn } : known;
  }

  async portfolioMembers(portfolioId: string): Promise<string[]> {
    const pending = [...this.accounts.values()].filter((a) => a.portfolioId === portfolioId).map((a) => a.wabaId);
    return [...new Set([...(await this.inner.portfolioMembers(portfolioId)), ...pending])];
  }

  note(write: PlannedWrite): void {
    for (const event of write.events) {
      if (event.type === 'RateCardPublished') {
        const card = event.data as RateCardPublishedData;
        this.cards.set(card.rateCardId, [...(this.cards.get(card.rateCardId) ?? []), card]);
      }
      if (event.type === 'AccountRegistered') this.accounts.set((event.data as AccountRegisteredData).wabaId, event.data as AccountRegisteredData);
      if (event.type === 'PhoneNumberAttached') {
        const { wabaId, phoneNumberId } = event.data as PhoneNumberAttachedData;
        let set = this.numbers.get(wabaId);
        if (!set) this.numbers.set(wabaId, (set = new Set()));
        set.add(phoneNumberId);
      }
    }
  }

  async require(wabaId: string, scope: Scope, field = 'wabaId'): Promise<AccountRecord> {
    const pending = this.accounts.get(wabaId);
    if (!pending || !inScope(scope, wabaId)) return this.inner.require(wabaId, scope, field);
    // A registration the batch retries keeps what the log holds of the account's numbers.
    const stored = await this.inner.require(wabaId, scope, field).catch((error: unknown) => {
      if (error instanceof LedgerError && error.code === 'ACCOUNT_UNKNOWN') return undefined;
      throw error;
    });
    return { account: pending, numbers: new Set([...(stored?.numbers ?? []), ...(this.numbers.get(wabaId) ?? [])]), legacy: stored?.legacy ?? new Set() };
  }

  async requireNumber(wabaId: string, phoneNumberId: string, scope: Scope, prefix = ''): Promise<AccountRecord> {
    if (this.numbers.get(wabaId)?.has(phoneNumberId)) return this.require(wabaId, scope, `${prefix}wabaId`);
    return this.inner.requireNumber(wabaId, phoneNumberId, scope, prefix);
  }
}
