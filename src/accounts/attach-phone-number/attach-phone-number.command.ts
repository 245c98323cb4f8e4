import { Command } from '@nestjs/cqrs';
import type { PhoneNumberAttachedData } from '../../../projections/events.js';
import { accountStream } from '../../../projections/events.js';
import type { Directory } from '../account-directory.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { accountKey, eventIdOf, ledgerEvent } from '../../common/command-context.js';
import type { AttachPhoneNumberRequest } from './attach-phone-number.request.js';

export class AttachPhoneNumber extends Command<Appended> {
  constructor(
    readonly request: AttachPhoneNumberRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export async function planAttach(request: AttachPhoneNumberRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  await directory.require(request.wabaId, context.scope, `${prefix}wabaId`);
  const data: PhoneNumberAttachedData = {
    wabaId: request.wabaId,
    phoneNumberId: request.phoneNumberId,
    ...(request.displayNumber ? { displayNumber: request.displayNumber.replace(/^\+/, '') } : {}),
  };
  return {
    stream: accountStream(data.wabaId),
    // The number's id within the account is the key: attaching it again is a no-op, and another tenant attaching the same id is none of this one's business.
    events: [ledgerEvent('PhoneNumberAttached', accountKey(data.wabaId, data.phoneNumberId), data, context)],
    expected: 'stream_exists',
    former: [eventIdOf('PhoneNumberAttached', data.phoneNumberId)],
    conflict: { code: 'PHONE_NUMBER_CONFLICT', field: 'phoneNumberId', what: `phone number ${data.phoneNumberId}` },
  };
}
