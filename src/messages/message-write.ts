import type { ThreadKey } from '../../projections/events.js';
import { legacyThreadStream, threadStream } from '../../projections/events.js';
import type { AccountRecord } from '../accounts/account-directory.js';
import { canonicalInstant, DAY, isoOf } from '../../projections/time/zone-calendar.js';
import { LedgerError } from '../common/ledger-error.js';
import type { PlannedWrite } from '../common/append.js';
import type { CommandContext } from '../common/command-context.js';
import { accountKey, eventIdOf, ledgerEvent } from '../common/command-context.js';
import type { ThreadMessageRequest } from './thread-key.request.js';

interface MessageKey extends ThreadKey {
  readonly messageId: string;
  readonly timestamp: string;
}

/**
 * The fields every message event's data opens with, the timestamp stored in UTC. A timestamp more
 * than a day past the ledger's clock is refused: no webhook or client clock is that far ahead.
 */
export function messageKey(request: ThreadMessageRequest, context: CommandContext, prefix = ''): MessageKey {
  if (Date.parse(request.timestamp) > Date.parse(context.recordedAt) + DAY) {
    throw new LedgerError('VALIDATION_FAILED', `${prefix}timestamp: ${request.timestamp} is more than a day past the ledger's clock (${context.recordedAt})`, 400, `${prefix}timestamp`);
  }
  return {
    wabaId: request.wabaId,
    phoneNumberId: request.phoneNumberId,
    customer: request.customer,
    messageId: request.messageId,
    timestamp: utc(request.timestamp),
  };
}

/** An instant in the form `toISOString` writes; one already in that form is kept as it is. */
function utc(timestamp: string): string {
  return Number.isNaN(canonicalInstant(timestamp)) ? isoOf(Date.parse(timestamp)) : timestamp;
}

/**
 * One event on the message's thread. Its id is the event type and the message id within the
 * account, so a retry is a duplicate, the same id with other data is the conflict named here, and
 * another tenant's message of the same id is none of it. A number attached before ids were scoped
 * keeps its threads' streams, and a retry finds events recorded there under their former ids.
 */
export function messageWrite(type: string, data: MessageKey, account: AccountRecord, context: CommandContext, conflict: PlannedWrite['conflict']): PlannedWrite {
  const legacy = account.legacy.has(data.phoneNumberId);
  return {
    stream: legacy ? legacyThreadStream(data.phoneNumberId, data.customer) : threadStream(data.wabaId, data.phoneNumberId, data.customer),
    events: [ledgerEvent(type, accountKey(data.wabaId, data.messageId), data, context)],
    expected: 'any',
    conflict,
    ...(legacy ? { former: [eventIdOf(type, data.messageId)] } : {}),
  };
}

/** The conflict of a sent or received message recorded twice with other content. */
export function messageIdConflict(messageId: string): PlannedWrite['conflict'] {
  return { code: 'MESSAGE_ID_CONFLICT', field: 'messageId', what: `message ${messageId}` };
}
