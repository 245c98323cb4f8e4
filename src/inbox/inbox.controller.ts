import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { notFound } from '../common/ledger-error.js';
import { ParkedParams } from '../read-models/queries/query-params.js';
import { InboxState } from './inbox-state.js';
import type { ParkedRecord } from './inbox-state.js';
import { InboxProcessor } from './inbox.processor.js';
import type { RedriveResult } from './inbox.processor.js';
import { RedriveRequest } from './redrive/redrive.request.js';
import { Doc, READ_PROBLEMS, WRITE_PROBLEMS } from '../common/api-doc.js';
import { PARKED_LIST, PAYLOAD_OUTCOME, REDRIVE } from '../common/api-schemas.js';

export type ParkedView = Omit<ParkedRecord, 'item'> & { readonly command: Record<string, unknown> | null };

/** What the inbox did with Meta's payloads: each payload's outcome, the items parked, and a redrive. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class InboxController {
  constructor(
    private readonly state: InboxState,
    private readonly processor: InboxProcessor,
  ) {}

  @Doc({ summary: 'Webhook items parked', description: 'Items the inbox could not record yet, oldest first, with why; a key scoped to some WABAs sees theirs; `wabaId` keeps one account\'s.', ok: PARKED_LIST, errors: [...READ_PROBLEMS] })
  @Get('parked')
  @Allow('billing')
  async parked(@Query() params: ParkedParams, @Caller() scope: Scope): Promise<{ total: number; parked: ParkedView[] }> {
    const seen = (wabaId: string | null) => (scope.wabas === null || (wabaId !== null && inScope(scope, wabaId))) && (params.wabaId === undefined || wabaId === params.wabaId);
    const all = (await this.state.unresolved()).filter((p) => seen(p.wabaId));
    const offset = params.offset ?? 0;
    const page = all.slice(offset, offset + (params.limit ?? 100)).map(({ item, ...rest }) => ({ ...rest, command: item?.command ?? null }));
    return { total: all.length, parked: page };
  }

  @Doc({ summary: 'What a webhook payload came to', description: "A payload's outcome: `pending` until the inbox processor reaches it.", ok: PAYLOAD_OUTCOME, errors: ['PAYLOAD_UNKNOWN', 'STORE_UNAVAILABLE'] })
  @Get('payloads/:sha256')
  @Allow('billing')
  async payload(@Param('sha256') sha256: string): Promise<{ payload: string; status: 'pending' | 'processed'; outcome: unknown }> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw notFound('PAYLOAD_UNKNOWN', `no payload ${sha256}`, 'sha256');
    const found = await this.state.outcome(sha256);
    return found ? { payload: sha256, status: 'processed', outcome: found.outcome } : { payload: sha256, status: 'pending', outcome: null };
  }

  @Doc({ summary: 'Try parked webhook items again', description: 'Tries parked items again now (all, or those named), after a fix.', ok: REDRIVE, status: 200, errors: [...WRITE_PROBLEMS] })
  @Post('redrive')
  @HttpCode(200)
  @Allow('billing')
  async redrive(@Body() body: RedriveRequest): Promise<RedriveResult> {
    return this.processor.redrive(body.all ? 'all' : (body.ids ?? []));
  }
}
