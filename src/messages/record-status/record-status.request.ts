import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsOptional, IsString, Length, ValidateIf, ValidateNested } from 'class-validator';
import { IsBoundedObject } from '../../common/edge-rules.js';
import { ThreadMessageRequest } from '../thread-key.request.js';

export const STATUSES = ['delivered', 'read', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

export class StatusErrorRequest {
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 131049 })
  @ValidateIf((_, v) => typeof v !== 'number')
  @IsString()
  @Length(1, 64)
  code!: number | string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 1024)
  title?: string;
}

export class RecordStatusRequest extends ThreadMessageRequest {
  @ApiProperty({ enum: STATUSES })
  @IsIn(STATUSES)
  status!: Status;

  @ApiPropertyOptional({ description: "Meta's `pricing` and `conversation` objects, kept exactly as received (at most 16 KiB as JSON)" })
  @IsOptional()
  @IsBoundedObject(16_384)
  stated?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [StatusErrorRequest], description: 'Required when status is failed' })
  @ValidateIf((request: RecordStatusRequest) => request.status === 'failed' || request.errors !== undefined)
  @IsDefined({ message: "errors is required when status is failed: Meta's errors, as [{ code, title? }]" })
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => StatusErrorRequest)
  errors?: StatusErrorRequest[];
}
