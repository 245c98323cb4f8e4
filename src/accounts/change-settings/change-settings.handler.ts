import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { appendPlanned } from '../../common/append.js';
import type { Appended } from '../../common/append.js';
import { EventStore } from '../../event-store/event-store.port.js';
import { AccountDirectory } from '../account-directory.js';
import { ChangeSettings, planChangeSettings } from './change-settings.command.js';

@CommandHandler(ChangeSettings)
export class ChangeSettingsHandler implements ICommandHandler<ChangeSettings> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    private readonly directory: AccountDirectory,
  ) {}

  async execute({ request, context }: ChangeSettings): Promise<Appended> {
    return appendPlanned(this.store, await planChangeSettings(request, context, this.directory));
  }
}
