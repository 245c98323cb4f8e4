import type { MessageSentData } from '../../../projections/events.js';
import type { Directory } from '../../accounts/account-directory.js';
import { Command } from '@nestjs/cqrs';
import type { Appended, PlannedWrite } from '../../common/append.js';
import type { CommandContext } from '../../common/command-context.js';
import { messageIdConflict, messageKey, messageWrite } from '../message-write.js';
import type { RecordSentRequest } from './record-sent.request.js';

export class RecordSent extends Command<Appended> {
  constructor(
    readonly request: RecordSentRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export async function planSent(request: RecordSentRequest, context: CommandContext, directory: Directory, prefix = ''): Promise<PlannedWrite> {
  const account = await directory.requireNumber(request.wabaId, request.phoneNumberId, context.scope, prefix);
  const data: MessageSentData = {
    ...messageKey(request, context, prefix),
    kind: request.kind,
    ...(request.template
      ? { template: { name: request.template.name, category: request.template.category, ...(request.template.language ? { language: request.template.language } : {}) } }
      : {}),
  };
  return messageWrite('MessageSent', data, account, context, messageIdConflict(data.messageId));
}
