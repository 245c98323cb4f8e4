import { ApiPropertyOptional, ApiProperty, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { FINDING_KINDS } from '../../../projections/reconciliation/reconcile.js';
import { IsInstant } from '../../common/edge-rules.js';
import { IsLedgerId, WA_ID } from '../../messages/thread-key.request.js';

const POSITION = /^\d{1,20}\/\d{1,20}$/;

export class ReadParams {
  @ApiPropertyOptional({ description: 'Wait (up to 10 s) until the read models reflect this position, as a write returned it', example: '42/42' })
  @IsOptional()
  @Matches(POSITION, { message: 'must be a position COMMIT/PREPARE as a write returned it' })
  minPosition?: string;
}

/** A read of the log itself: it holds every acknowledged write already, so `minPosition` is checked and met at once; a client may send it to any read. */
export class LogReadParams {
  @ApiPropertyOptional({ description: 'Accepted as on every read; this one reads the log itself, which reflects every acknowledged write', example: '42/42' })
  @IsOptional()
  @Matches(POSITION, { message: 'must be a position COMMIT/PREPARE as a write returned it' })
  minPosition?: string;
}

export const IsPeriod = () => Matches(/^(201[89]|20[2-9]\d|2[1-9]\d\d|[3-9]\d{3})-(0[1-9]|1[0-2])$/, { message: 'must be a month YYYY-MM from 2018 on' });

export class PeriodParams extends ReadParams {
  @ApiProperty({ description: "A month in the account's time zone", example: '2025-07' })
  @IsPeriod()
  period!: string;
}

export class LimitParams extends ReadParams {
  @ApiPropertyOptional({ description: 'Default 1,000 units or findings, or 100 accounts', maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class PageParams extends LimitParams {
  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

/** Only what concerns one account: a failure that names it or blocks one of its months, an item parked for it. */
export class AccountFilterParams extends ReadParams {
  @ApiPropertyOptional({ description: 'Only what concerns this WABA' })
  @IsOptional()
  @IsLedgerId()
  wabaId?: string;
}

/** Accounts, a page at a time, optionally those a search finds. */
export class AccountsParams extends PageParams {
  @ApiPropertyOptional({ description: 'Only accounts whose WABA or portfolio id contains this, in any case', example: 'portfolio-12' })
  @IsOptional()
  @Matches(/^[^\u0000-\u001f]{1,100}$/, { message: 'must be 1 to 100 printable characters' })
  q?: string;
}

export class ParkedParams extends IntersectionType(PageParams, AccountFilterParams) {}

/** A month's units, a page at a time: all of them, or one draft line's. */
export class UnitsParams extends IntersectionType(PeriodParams, PageParams) {
  @ApiPropertyOptional({ description: "Only the units of this line of the month's draft, numbered from 1 as the draft lists its lines" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  line?: number;

  @ApiPropertyOptional({ description: "The page after this one: the `next` a page answered (its last unit's opening instant and id)", example: '2025-10-03T10:00:00.000Z~message:wamid.A1' })
  @IsOptional()
  @Matches(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z~[^~]{1,200}$/, { message: "must be a page's `next`: an instant and a unit id joined by ~" })
  after?: string;
}

/** A month's reconciliation: every kind's count, and a page of findings. */
export class ReconciliationParams extends IntersectionType(PeriodParams, LimitParams) {
  @ApiPropertyOptional({ description: 'Only findings of this kind', example: 'category' })
  @IsOptional()
  @IsIn(FINDING_KINDS)
  kind?: string;

  @ApiPropertyOptional({ description: "The page after this one: the `next` a page answered" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,2000}$/, { message: "must be a page's `next`" })
  after?: string;
}

export class WindowsParams extends ReadParams {
  @ApiPropertyOptional({ description: 'The instant (ISO-8601); now when absent', example: '2025-07-01T12:00:00Z' })
  @IsOptional()
  @IsInstant()
  at?: string;

  @ApiPropertyOptional({ description: 'With customer: one thread; without: every thread of the account with an open window' })
  @ValidateIf((p: WindowsParams) => p.customer !== undefined || p.phoneNumberId !== undefined)
  @IsLedgerId()
  phoneNumberId?: string;

  @ApiPropertyOptional({ description: "The customer's wa_id" })
  @ValidateIf((p: WindowsParams) => p.customer !== undefined || p.phoneNumberId !== undefined)
  @Matches(WA_ID, { message: "must be the customer's wa_id: 6 to 15 digits, no '+'" })
  customer?: string;
}
