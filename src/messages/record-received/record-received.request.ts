import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ThreadMessageRequest } from '../thread-key.request.js';

export class ReferralRequest {
  @ApiProperty({ description: "'ad' or 'post' in Meta's payloads; other values are kept", example: 'ad' })
  @IsString()
  @Length(1, 64)
  sourceType!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 256)
  sourceId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  ctwaClid?: string;
}

export class RecordReceivedRequest extends ThreadMessageRequest {
  @ApiProperty({ description: 'text, image, interactive, call, ...', example: 'text' })
  @IsString()
  @Length(1, 64)
  kind!: string;

  @ApiPropertyOptional({ type: ReferralRequest, description: 'Present when the message came from a Click-to-WhatsApp ad or a page post' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReferralRequest)
  referral?: ReferralRequest;
}
