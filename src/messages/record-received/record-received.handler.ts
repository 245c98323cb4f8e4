import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { planReceived, RecordReceived } from './record-received.command.js';

@CommandHandler(RecordReceived)
export class RecordReceivedHandler implements ICommandHandler<RecordReceived> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: RecordReceived): Promise<Appended> {
    return appendPlanned(this.store, await planReceived(request, context, this.directory));
  }
}
