import { Command } from '@nestjs/cqrs';
import type { ApiKeyRecord } from '../api-key.repository.js';
import type { CreateApiKeyRequest } from './create-api-key.request.js';

export class CreateApiKey extends Command<{ key: string; record: ApiKeyRecord }> {
  constructor(readonly request: CreateApiKeyRequest) {
    super();
  }
}
