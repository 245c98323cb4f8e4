import { ApiPropertyOptional, ApiProperty, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
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

export class PageParams extends ReadParams {
  @ApiPropertyOptional({ description: 'Default 1,000 units, or 100 accounts', maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

/** A month's units, a page at a time. */
export class UnitsParams extends IntersectionType(PeriodParams, PageParams) {}

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
