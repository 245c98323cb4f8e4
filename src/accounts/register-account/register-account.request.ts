import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO31661Alpha2, IsOptional, IsTimeZone } from 'class-validator';
import { IsBillingCurrency } from '../../common/edge-rules.js';
import { IsLedgerId } from '../../messages/thread-key.request.js';

export class RegisterAccountRequest {
  @ApiProperty({ example: '102290129340398' })
  @IsLedgerId()
  wabaId!: string;

  @ApiProperty({ description: 'The business portfolio: its WABAs pool volume tiers', example: 'portfolio-1' })
  @IsLedgerId()
  portfolioId!: string;

  @ApiProperty({ description: 'IANA time zone: months and effective dates are local to it', example: 'America/Sao_Paulo' })
  @IsTimeZone()
  timezone!: string;

  @ApiProperty({ example: 'USD' })
  @IsBillingCurrency()
  currency!: string;

  @ApiPropertyOptional({ description: 'Defaults to meta-{currency}', example: 'meta-USD' })
  @IsOptional()
  @IsLedgerId()
  rateCardId?: string;

  @ApiPropertyOptional({ description: 'ISO 3166 alpha-2', example: 'BR' })
  @IsOptional()
  @IsISO31661Alpha2()
  primaryLocation?: string;
}
