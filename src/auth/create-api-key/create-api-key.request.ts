import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsLedgerId } from '../../messages/thread-key.request.js';
import { ROLES } from '../scope.js';
import type { Role } from '../scope.js';

export class CreateApiKeyRequest {
  @ApiProperty({ enum: ROLES, isArray: true, example: ['billing'] })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({ description: 'The WABAs this key may touch; absent for all', example: ['102290129340398'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsLedgerId({ each: true })
  wabas?: string[];

  @ApiPropertyOptional({ example: 'billing team laptop' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  label?: string;
}
