import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { notFound } from '../common/ledger-error.js';
import { ApiKeys } from './api-key.repository.js';
import type { ApiKeyRecord } from './api-key.repository.js';
import { CreateApiKey } from './create-api-key/create-api-key.command.js';
import { CreateApiKeyRequest } from './create-api-key/create-api-key.request.js';

/** Admin only (no @Allow): keys are shown once, at creation, and stored as hashes. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('api-keys')
export class AuthController {
  constructor(
    private readonly commands: CommandBus,
    private readonly keys: ApiKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  async create(@Body() body: CreateApiKeyRequest): Promise<{ key: string; record: ApiKeyRecord }> {
    return this.commands.execute(new CreateApiKey(body));
  }

  @Get()
  async list(): Promise<{ keys: ApiKeyRecord[] }> {
    return { keys: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.keys.revoke(id, this.clock()))) throw notFound('API_KEY_UNKNOWN', `no active key ${id}`, 'id');
  }
}
