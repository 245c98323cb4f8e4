import { Inject } from '@nestjs/common';
import { CommandHandler } from '@nestjs/cqrs';
import type { ICommandHandler } from '@nestjs/cqrs';
import { CLOCK } from '../../common/clock.js';
import type { Clock } from '../../common/clock.js';
import { ApiKeys } from '../api-key.repository.js';
import type { ApiKeyRecord } from '../api-key.repository.js';
import { CreateApiKey } from './create-api-key.command.js';

@CommandHandler(CreateApiKey)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKey> {
  constructor(
    private readonly keys: ApiKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ request }: CreateApiKey): Promise<{ key: string; record: ApiKeyRecord }> {
    return this.keys.create(request.roles, request.wabas ?? null, request.label ?? null, this.clock());
  }
}
