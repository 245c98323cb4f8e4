import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { planWithdraw, WithdrawRateCard } from './withdraw-rate-card.command.js';

@CommandHandler(WithdrawRateCard)
export class WithdrawRateCardHandler implements ICommandHandler<WithdrawRateCard> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: WithdrawRateCard): Promise<Appended> {
    return appendPlanned(this.store, await planWithdraw(request, context, this.directory));
  }
}
