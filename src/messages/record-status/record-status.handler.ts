import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { planStatus, RecordStatus } from './record-status.command.js';

@CommandHandler(RecordStatus)
export class RecordStatusHandler implements ICommandHandler<RecordStatus> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: RecordStatus): Promise<Appended> {
    return appendPlanned(this.store, await planStatus(request, context, this.directory));
  }
}
