import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { NumberKeyRequest } from '../../messages/thread-key.request.js';

export class AttachPhoneNumberRequest extends NumberKeyRequest {
  @ApiPropertyOptional({ example: '15550783881' })
  @IsOptional()
  @Matches(/^\+?[1-9]\d{5,14}$/, { message: 'must be an international number, digits only' })
  displayNumber?: string;
}
