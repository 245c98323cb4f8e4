import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Allow, Caller } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scope.js';
import type { Appended } from '../common/append.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { answer, contextOf } from '../common/http.js';
import { Metrics } from '../metrics/metrics.service.js';
import { GetReconciliation } from '../read-models/queries/get-reconciliation.query.js';
import type { ReconciliationAnswer } from '../read-models/queries/get-reconciliation.query.js';
import { GetUnits } from '../read-models/queries/get-units.query.js';
import type { UnitsAnswer } from '../read-models/queries/get-units.query.js';
import { GetWindows } from '../read-models/queries/get-windows.query.js';
import type { WindowsAnswer } from '../read-models/queries/get-windows.query.js';
import { AccountsParams, LogReadParams, ReconciliationParams, UnitsParams, WindowsParams } from '../read-models/queries/query-params.js';
import { ListAccounts } from '../read-models/queries/list-accounts.query.js';
import type { AccountsAnswer } from '../read-models/queries/list-accounts.query.js';
import { AccountDirectory } from './account-directory.js';
import type { AccountHistory } from './account-directory.js';
import { ChangeSettings } from './change-settings/change-settings.command.js';
import { AccountSettingsBody } from './change-settings/change-settings.request.js';
import { AttachPhoneNumber } from './attach-phone-number/attach-phone-number.command.js';
import { AttachPhoneNumberRequest } from './attach-phone-number/attach-phone-number.request.js';
import { RegisterAccount } from './register-account/register-account.command.js';
import { RegisterAccountRequest } from './register-account/register-account.request.js';
import { APPENDED, Doc, READ_PROBLEMS, WRITE_PROBLEMS } from '../common/api-doc.js';
import { ACCOUNTS, ACCOUNT_HISTORY, RECONCILIATION, UNITS, WINDOWS } from '../common/api-schemas.js';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller()
export class AccountsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly metrics: Metrics,
    private readonly directory: AccountDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Doc({ summary: 'List accounts', description: 'The accounts the key may see (those whose WABA or portfolio id contains `q`, when given), a page at a time, each with the terms of its latest settings, its primary location and how many numbers and settings changes it has.', ok: ACCOUNTS, errors: [...READ_PROBLEMS] })
  @Get('accounts')
  @Allow('billing', 'auditor')
  async list(@Query() params: AccountsParams, @Caller() scope: Scope): Promise<AccountsAnswer> {
    return this.queries.execute(new ListAccounts(scope, params.limit ?? 100, params.offset ?? 0, params.minPosition, params.q));
  }

  @Doc({ summary: "An account's history", description: "Read from the account's own stream: registration, every dated settings change and every number, with who recorded each and when.", ok: ACCOUNT_HISTORY, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN'] })
  @Get('accounts/:wabaId')
  @Allow('billing', 'auditor')
  async account(@Param('wabaId') wabaId: string, @Query() _params: LogReadParams, @Caller() scope: Scope): Promise<AccountHistory> {
    return this.directory.history(wabaId, scope);
  }

  @Doc({ summary: "Change an account's settings from a date", description: 'Records `AccountSettingsChanged`: time zone, currency and rate card (from the 1st of a month only), primary location and whether Meta verified it, authentication-international eligibility with its start times. The months from `effectiveFrom` on are priced under the new terms; the same change again is a duplicate.', ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_UNKNOWN', 'ACCOUNT_OUT_OF_SCOPE', 'SETTINGS_EMPTY', 'SETTINGS_NOT_MONTH_START', 'EVENT_ID_CONFLICT'] })
  @Post('accounts/:wabaId/settings')
  @Allow('billing')
  async settings(
    @Param('wabaId') wabaId: string,
    @Body() body: AccountSettingsBody,
    @Caller() scope: Scope,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new ChangeSettings({ ...body, wabaId }, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Register an account (WABA)', description: "Records `AccountRegistered`: the WABA, its business portfolio (volume tiers pool the portfolio's WABAs), its time zone (months and effective dates are local to it), currency and rate card. The same registration again is a duplicate; a different one under the same id is a conflict.", ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_OUT_OF_SCOPE', 'EVENT_ID_CONFLICT'] })
  @Post('accounts')
  @Allow('billing')
  async register(@Body() body: RegisterAccountRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new RegisterAccount(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Attach a business phone number', description: 'Records `PhoneNumberAttached`: messages are recorded only for numbers of their account.', ok: APPENDED, status: 'append', errors: [...WRITE_PROBLEMS, 'ACCOUNT_UNKNOWN', 'ACCOUNT_OUT_OF_SCOPE', 'EVENT_ID_CONFLICT'] })
  @Post('phone-numbers')
  @Allow('billing')
  async attach(@Body() body: AttachPhoneNumberRequest, @Caller() scope: Scope, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Appended> {
    return answer(reply, this.metrics, 'api', await this.commands.execute(new AttachPhoneNumber(body, contextOf(request, scope, this.clock, 'api'))));
  }

  @Doc({ summary: 'Windows open at an instant', description: 'For one thread (`phoneNumberId` and `customer`) or every thread of the account with a window open at `at` (default: now): the 24-hour customer service window, the open conversations by category and the free-entry-point window.', ok: WINDOWS, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN'] })
  @Get('accounts/:wabaId/windows')
  @Allow('billing', 'auditor')
  async windows(@Param('wabaId') wabaId: string, @Query() params: WindowsParams, @Caller() scope: Scope): Promise<WindowsAnswer> {
    const at = params.at ? Date.parse(params.at) : this.clock().getTime();
    const thread = params.customer && params.phoneNumberId ? { phoneNumberId: params.phoneNumberId, customer: params.customer } : undefined;
    return this.queries.execute(new GetWindows(scope, wabaId, at, thread, params.minPosition));
  }

  @Doc({ summary: 'Billable units of a month', description: "The units of the account's local month in charge order, a page at a time (`after` the previous page's `next`): conversations or charged messages, each with its category, market, charge (after free allowances), era and the messages behind it. With `line`, only the units of that line of the month's draft: read from the units table between the line's first and last unit, never by rating the month again.", ok: UNITS, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN', 'LINE_UNKNOWN'] })
  @Get('accounts/:wabaId/units')
  @Allow('billing', 'auditor')
  async units(@Param('wabaId') wabaId: string, @Query() params: UnitsParams, @Caller() scope: Scope): Promise<UnitsAnswer> {
    const page = { limit: params.limit ?? 1000, offset: params.offset ?? 0, after: params.after, line: params.line };
    return this.queries.execute(new GetUnits(scope, wabaId, params.period, page, params.minPosition));
  }

  @Doc({ summary: "Meta's verdicts against the ledger's", description: "For every message delivered in the month, Meta's stated `pricing` (billable, category, pricing model, type) against the ledger's decision; each disagreement is a finding, counted by kind, and listed a page at a time by kind, then message id (`kind` to keep one kind, `after` the previous page's `next`). Read from findings kept as each thread is folded, settled by the month's free allowances.", ok: RECONCILIATION, errors: [...READ_PROBLEMS, 'ACCOUNT_UNKNOWN'] })
  @Get('accounts/:wabaId/reconciliation')
  @Allow('billing', 'auditor')
  async reconciliation(@Param('wabaId') wabaId: string, @Query() params: ReconciliationParams, @Caller() scope: Scope): Promise<ReconciliationAnswer> {
    const page = { kind: params.kind, after: params.after, limit: params.limit ?? 1000 };
    return this.queries.execute(new GetReconciliation(scope, wabaId, params.period, page, params.minPosition));
  }
}
