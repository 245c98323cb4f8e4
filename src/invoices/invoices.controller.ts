import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import { GetDraft } from '../read-models/queries/get-draft.query.js';
import type { DraftAnswer } from '../read-models/queries/get-draft.query.js';
import { PeriodParams } from '../read-models/queries/query-params.js';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('accounts/:wabaId/drafts')
@Allow('billing', 'auditor')
export class InvoicesController {
  constructor(private readonly queries: QueryBus) {}

  /** The invoice draft of a month: lines with quantity, price and amount, each with its rate card row and units. */
  @Get()
  async draft(@Param('wabaId') wabaId: string, @Query() params: PeriodParams, @Caller() scope: Scope): Promise<DraftAnswer> {
    return this.queries.execute(new GetDraft(scope, wabaId, params.period, params.minPosition));
  }
}
