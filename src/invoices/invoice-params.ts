import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsLedgerId } from '../messages/thread-key.request.js';
import { IsPeriod, LogReadParams, ReadParams } from '../read-models/queries/query-params.js';

export class InvoiceListParams extends ReadParams {
  @ApiPropertyOptional()
  @IsOptional()
  @IsLedgerId()
  wabaId?: string;

  @ApiPropertyOptional({ example: '2025-10' })
  @IsOptional()
  @IsPeriod()
  period?: string;

  @ApiPropertyOptional({ enum: ['issued', 'revised', 'voided'] })
  @IsOptional()
  @IsIn(['issued', 'revised', 'voided'])
  status?: string;
}

export class InvoiceFormatParams extends LogReadParams {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'pdf'] })
  @IsOptional()
  @IsIn(['json', 'csv', 'pdf'])
  format?: 'json' | 'csv' | 'pdf';
}
