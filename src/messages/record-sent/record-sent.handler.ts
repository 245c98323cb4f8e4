import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { planSent, RecordSent } from './record-sent.command.js';

@CommandHandler(RecordSent)
export class RecordSentHandler implements ICommandHandler<RecordSent> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: RecordSent): Promise<Appended> {
    return appendPlanned(this.store, await planSent(request, context, this.directory));
  }
}
