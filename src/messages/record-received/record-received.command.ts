import { Command } from '@nestjs/cqrs';
import type { MessageReceivedData } from '../../../projections/events.js';
import type { Directory } from '../../accounts/account-directory.js';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { messageIdConflict, messageKey, messageWrite } from '../message-write.js';
import type { RecordReceivedRequest } from './record-received.request.js';

export class RecordReceived extends Command<Appended> {
  constructor(
    readonly request: RecordReceivedRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export async function planReceived(request: RecordReceivedRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  const account = await directory.requireNumber(request.wabaId, request.phoneNumberId, context.scope, prefix);
  const referral = request.referral;
  const data: MessageReceivedData = {
    ...messageKey(request, context, prefix),
    kind: request.kind,
    ...(referral
      ? {
          referral: {
            sourceType: referral.sourceType,
            ...(referral.sourceId ? { sourceId: referral.sourceId } : {}),
            ...(referral.ctwaClid ? { ctwaClid: referral.ctwaClid } : {}),
          },
        }
      : {}),
  };
  return messageWrite('MessageReceived', data, account, context, messageIdConflict(data.messageId));
}
