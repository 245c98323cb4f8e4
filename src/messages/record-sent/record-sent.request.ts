import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, ValidateIf, ValidateNested } from 'class-validator';
import { ThreadMessageRequest } from '../thread-key.request.js';

export class TemplateRequest {
  @ApiProperty()
  @IsString()
  @Length(1, 512)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 32)
  language?: string;

  @ApiProperty({ enum: ['marketing', 'utility', 'authentication'] })
  @IsIn(['marketing', 'utility', 'authentication'])
  category!: 'marketing' | 'utility' | 'authentication';
}

export class RecordSentRequest extends ThreadMessageRequest {
  @ApiProperty({ description: 'text, image, template, interactive, ...', example: 'template' })
  @IsString()
  @Length(1, 64)
  kind!: string;

  @ApiPropertyOptional({ type: TemplateRequest, description: 'Required when kind is template' })
  @ValidateIf((request: RecordSentRequest) => request.kind === 'template' || request.template !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => TemplateRequest)
  template?: TemplateRequest;
}
