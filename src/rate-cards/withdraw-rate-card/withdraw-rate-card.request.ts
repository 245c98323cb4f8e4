import { ApiProperty, PickType } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsLedgerId } from '../../messages/thread-key.request.js';

export class WithdrawRateCardRequest {
  @ApiProperty({ example: 'meta-USD' })
  @IsLedgerId()
  rateCardId!: string;

  @ApiProperty({ example: '2026-01-01.3f9a0c12' })
  @IsLedgerId()
  version!: string;

  @ApiProperty({ description: 'Why the version is taken out: kept in the log and in every revision it causes', example: 'published by mistake: India rows missing' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

/** The body of `POST /rate-cards/{rateCardId}/versions/{version}/withdraw`. */
export class WithdrawRateCardBody extends PickType(WithdrawRateCardRequest, ['reason'] as const) {}
