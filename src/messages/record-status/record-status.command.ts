import { Command } from '@nestjs/cqrs';
import type { MessageStatusData } from '../../../projections/events.js';
import type { Directory } from '../../accounts/account-directory.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { messageKey, messageWrite } from '../message-write.js';
import type { RecordStatusRequest, Status } from './record-status.request.js';

export class RecordStatus extends Command<Appended> {
  constructor(
    readonly request: RecordStatusRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

const TYPES = { delivered: 'MessageDelivered', read: 'MessageRead', failed: 'MessageFailed' } as const satisfies Record<Status, string>;

export async function planStatus(request: RecordStatusRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  const account = await directory.requireNumber(request.wabaId, request.phoneNumberId, context.scope, prefix);
  const type = TYPES[request.status];
  const data: MessageStatusData & { errors?: unknown } = {
    ...messageKey(request, context, prefix),
    ...(request.stated ? { stated: request.stated } : {}),
    ...(request.status === 'failed' ? { errors: (request.errors ?? []).map((e) => ({ code: e.code, ...(e.title !== undefined ? { title: e.title } : {}) })) } : {}),
  };
  // One event per message and status: Meta repeats statuses, and the first one recorded stands.
  return messageWrite(type, data, account, context, { code: 'STATUS_CONFLICT', field: 'timestamp', what: `the ${request.status} status of message ${data.messageId}` });
}
