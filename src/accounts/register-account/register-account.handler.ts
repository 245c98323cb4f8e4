import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { AccountDirectory } from '../account-directory.js';
import { planRegister, RegisterAccount } from './register-account.command.js';

@CommandHandler(RegisterAccount)
export class RegisterAccountHandler implements ICommandHandler<RegisterAccount> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: RegisterAccount): Promise<Appended> {
    return appendPlanned(this.store, await planRegister(request, context, this.directory));
  }
}
