import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsLedgerId } from '../../messages/thread-key.request.js';

export class AttachPhoneNumberRequest {
  @ApiProperty({ example: '102290129340398' })
  @IsLedgerId()
  wabaId!: string;

  @ApiProperty({ example: '106540352242922' })
  @IsLedgerId()
  phoneNumberId!: string;

  @ApiPropertyOptional({ example: '15550783881' })
  @IsOptional()
  @Matches(/^\+?[1-9]\d{5,14}$/, { message: 'must be an international number, digits only' })
  displayNumber?: string;
}
