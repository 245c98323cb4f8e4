import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsBillingCurrency, IsLocalDate } from '../../common/edge-rules.js';
import { IsLedgerId } from '../../messages/thread-key.request.js';

const PRICE = /^\d{1,12}(\.\d{1,12})?$/;
const PRICE_MESSAGE = 'must be a decimal string such as "0.0625"';

export class RateRowRequest {
  @ApiProperty({ example: 'Brazil' })
  @IsString()
  @Length(1, 128)
  market!: string;

  @ApiProperty({ example: 'marketing' })
  @IsString()
  @Length(1, 64)
  category!: string;

  @ApiProperty({ example: '0.0625' })
  @Matches(PRICE, { message: PRICE_MESSAGE })
  price!: string;
}

export class TierRowRequest extends RateRowRequest {
  @ApiProperty({ description: 'First charged message of the band, from 1' })
  @IsInt()
  @Min(1)
  from!: number;

  @ApiPropertyOptional({ description: 'Last charged message of the band; absent for no upper bound' })
  @IsOptional()
  @IsInt()
  @Min(1)
  to?: number;
}

export class PublishRateCardRequest {
  @ApiProperty({ example: 'meta-USD' })
  @IsLedgerId()
  rateCardId!: string;

  @ApiPropertyOptional({ description: 'Defaults to the effective date and a digest of the prices (the same default as `ledger rate-cards import`)', example: '2025-10-01' })
  @IsOptional()
  @IsLedgerId()
  version?: string;

  @ApiProperty({ example: 'USD' })
  @IsBillingCurrency()
  currency!: string;

  @ApiProperty({ description: 'A local date, applied at 00:00 in each WABA time zone', example: '2025-10-01' })
  @IsLocalDate()
  effectiveFrom!: string;

  @ApiProperty({ type: [RateRowRequest] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => RateRowRequest)
  rates!: RateRowRequest[];

  @ApiPropertyOptional({ type: [TierRowRequest] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => TierRowRequest)
  tiers?: TierRowRequest[];

  @ApiPropertyOptional({ description: 'What of the version it follows this version leaves out on purpose: markets, categories, or market/category rows', example: ['India/authentication_international'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  drops?: string[];
}

/** Meta's CSV names neither the card nor its version; the query string does, with the same rules as the JSON body. */
export class PublishRateCardCsvQuery extends PickType(PublishRateCardRequest, ['rateCardId', 'version', 'currency'] as const) {
  @ApiPropertyOptional({ description: 'Comma-separated markets, categories or market/category rows this version leaves out on purpose' })
  @IsOptional()
  @IsString()
  drops?: string;

  @ApiPropertyOptional({ description: "Read from the card's title when absent", example: '2025-10-01' })
  @IsOptional()
  @IsLocalDate()
  effectiveFrom?: string;
}
