import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import { ExplainThread } from '../read-models/queries/explain-thread.query.js';
import type { ExplanationAnswer } from '../read-models/queries/explain-thread.query.js';
import { ReadParams } from '../read-models/queries/query-params.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
@Allow('billing', 'auditor')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  /** Every decision of one thread's fold, in order, with the rule applied and the rate-card row that priced it. */
  @Get('accounts/:wabaId/threads/:phoneNumberId/:customer')
  async explain(
    @Param('wabaId') wabaId: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Param('customer') customer: string,
    @Query() params: ReadParams,
    @Caller() scope: Scope,
  ): Promise<ExplanationAnswer> {
    return this.queries.execute(new ExplainThread(scope, wabaId, phoneNumberId, customer, params.minPosition));
  }
}
