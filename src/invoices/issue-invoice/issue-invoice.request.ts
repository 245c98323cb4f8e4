import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { IsLedgerId } from '../../messages/thread-key.request.js';
import { IsPeriod, ReadParams } from '../../read-models/queries/query-params.js';

export class IssueInvoiceRequest extends ReadParams {
  @ApiProperty({ example: '102290129340398' })
  @IsLedgerId()
  wabaId!: string;

  @ApiProperty({ description: "A month in the account's time zone", example: '2025-07' })
  @IsPeriod()
  period!: string;

  @ApiPropertyOptional({ description: 'Issue a month that has not ended yet in the account time zone' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
