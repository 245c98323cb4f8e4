import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ReadParams } from '../../read-models/queries/query-params.js';

export class ReasonRequest extends ReadParams {
  @ApiProperty({ description: 'Why: kept on the event for the auditor', example: 'corrected rate card meta-USD 2025-10-01.2' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}
