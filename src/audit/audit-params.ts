import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { IsInstant } from '../common/edge-rules.js';
import { IsPeriod, LogReadParams } from '../read-models/queries/query-params.js';

export class ExplainParams extends LogReadParams {
  @ApiProperty({ example: '2025-10' })
  @IsPeriod()
  period!: string;

  @ApiPropertyOptional({ description: '1-based line of the invoice (or draft)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  line?: number;
}

export class TimelineParams extends LogReadParams {
  @ApiProperty({ example: '2025-10-01T00:00:00Z' })
  @IsInstant()
  from!: string;

  @ApiProperty({ example: '2025-11-01T00:00:00Z' })
  @IsInstant()
  to!: string;

  @ApiPropertyOptional({ description: 'Leave out what the ledger recorded after this instant' })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
