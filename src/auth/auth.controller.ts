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
import { Doc, WRITE_PROBLEMS } from '../common/api-doc.js';
import { API_KEYS, API_KEY_CREATED, CURRENT_KEY } from '../common/api-schemas.js';
import { Allow, Caller } from './auth.decorators.js';
import type { Scope } from './scope.js';

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

  @Doc({ summary: 'Create an API key (admins)', description: 'A key with roles (admin, billing, ingest, auditor) and optionally a scope of WABAs. The key is in the answer once; only its sha256 is stored.', ok: API_KEY_CREATED, status: 201, errors: [...WRITE_PROBLEMS] })
  @Post()
  async create(@Body() body: CreateApiKeyRequest): Promise<{ key: string; record: ApiKeyRecord }> {
    return this.commands.execute(new CreateApiKey(body));
  }

  @Doc({ summary: 'List API keys (admins)', description: "Every key's id, roles, scope, label, creation and revocation; never the key itself.", ok: API_KEYS, errors: ['STORE_UNAVAILABLE'] })
  @Get()
  async list(): Promise<{ keys: ApiKeyRecord[] }> {
    return { keys: await this.keys.list() };
  }

  @Doc({ summary: 'The calling key', description: "The key's roles and the WABAs it may touch (null: all): what the console offers it.", ok: CURRENT_KEY, errors: [] })
  @Get('current')
  @Allow('ingest', 'billing', 'auditor')
  current(@Caller() scope: Scope): Scope {
    return scope;
  }

  @Doc({ summary: 'Revoke an API key (admins)', description: 'The key is refused from now on; its record stays.', ok: API_KEYS, status: 204, errors: ['API_KEY_UNKNOWN', 'STORE_UNAVAILABLE'] })
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.keys.revoke(id, this.clock()))) throw notFound('API_KEY_UNKNOWN', `no active key ${id}`, 'id');
  }
}
