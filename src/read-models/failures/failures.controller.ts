import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Allow, Caller } from '../../auth/auth.decorators.js';
import type { Scope } from '../../auth/scope.js';
import { inScope } from '../../auth/scope.js';
import { Projections } from '../projections.js';
import { AccountFilterParams } from '../queries/query-params.js';
import { ReadModelReader } from '../read-model.reader.js';
import type { RetryOutcome } from '../projections.js';
import type { FailureRecord } from './failure-log.js';
import { RetryFailuresRequest } from './retry-failures/retry-failures.request.js';
import { Doc, READ_PROBLEMS, WRITE_PROBLEMS } from '../../common/api-doc.js';
import { FAILURES, RETRY } from '../../common/api-schemas.js';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('projection')
export class FailuresController {
  constructor(
    private readonly projections: Projections,
    @Inject(ReadModelReader) private readonly reader: ReadModelReader,
  ) {}

  @Doc({ summary: 'Projection failures', description: 'What the projections could not process: each failure with its partition, position, stream, event type, code and message, when it was first and last seen, the attempts, and the account-months it blocks. A key limited to some WABAs sees only the failures that touch them; `wabaId` keeps those that touch one.', ok: FAILURES, errors: [...READ_PROBLEMS] })
  @Get('failures')
  @Allow('auditor')
  async list(@Query() params: AccountFilterParams, @Caller() scope: Scope): Promise<{ failures: FailureRecord[] }> {
    // Failures are found by folding and rating: every partition must have folded and rated up to the position.
    await this.reader.reflecting(params.minPosition, true);
    const failures = await this.projections.failures();
    const only: Scope = params.wabaId === undefined ? scope : { ...scope, wabas: (scope.wabas ?? [params.wabaId]).filter((w) => w === params.wabaId) };
    return { failures: failures.filter((f) => visible(only, f)) };
  }

  @Doc({ summary: 'Retry projection failures (admins)', description: 'Folds or rates again what failed, once its cause is gone; answers what is still failing. Admins only.', ok: RETRY, status: 200, errors: [...WRITE_PROBLEMS, 'FAILURE_UNKNOWN'] })
  @Post('retry')
  @HttpCode(200)
  async retry(@Body() body: RetryFailuresRequest): Promise<RetryOutcome> {
    return this.projections.retry(body.all ? 'all' : [body.failureId!], false);
  }
}

function visible(scope: Scope, failure: FailureRecord): boolean {
  if (scope.wabas === null) return true;
  return (failure.wabaId !== undefined && inScope(scope, failure.wabaId)) || failure.blocks.some((b) => inScope(scope, b.wabaId));
}
