import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { planPublish, PublishRateCard } from './publish-rate-card.command.js';

@CommandHandler(PublishRateCard)
export class PublishRateCardHandler implements ICommandHandler<PublishRateCard> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: PublishRateCard): Promise<Appended> {
    return appendPlanned(this.store, await planPublish(request, context, this.directory));
  }
}
