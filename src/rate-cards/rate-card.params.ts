import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsTimeZone } from 'class-validator';
import { IsInstant } from '../common/edge-rules.js';
import { IsLedgerId } from '../messages/thread-key.request.js';
import { ReadParams } from '../read-models/queries/query-params.js';

export class InForceParams extends ReadParams {
  @ApiProperty({ description: 'The instant (ISO-8601 with an offset)', example: '2026-01-15T12:00:00Z' })
  @IsInstant()
  at!: string;

  @ApiPropertyOptional({ description: "Date the card's effective day in this account's time zone (its settings then)" })
  @IsOptional()
  @IsLedgerId()
  wabaId?: string;

  @ApiPropertyOptional({ description: 'Or in this IANA time zone; UTC when neither is given' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;
}
