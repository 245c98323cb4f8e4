import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountDirectory } from '../account-directory.js';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { AttachPhoneNumber, planAttach } from './attach-phone-number.command.js';

@CommandHandler(AttachPhoneNumber)
export class AttachPhoneNumberHandler implements ICommandHandler<AttachPhoneNumber> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: AttachPhoneNumber): Promise<Appended> {
    return appendPlanned(this.store, await planAttach(request, context, this.directory));
  }
}
