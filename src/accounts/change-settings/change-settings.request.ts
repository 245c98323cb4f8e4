import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsISO31661Alpha2, IsObject, IsOptional, IsString, IsTimeZone, Length, ValidateNested } from 'class-validator';
import { IsBillingCurrency, IsInstant, IsLocalDate } from '../../common/edge-rules.js';
import { IsLedgerId } from '../../messages/thread-key.request.js';

export class AuthInternationalRequest {
  @ApiProperty({ description: "The business's start time (ISO-8601 instant)", example: '2024-08-01T00:00:00Z' })
  @IsInstant()
  startTime!: string;

  @ApiPropertyOptional({ description: "Per-country start times (ISO alpha-2 -> instant) that replace the business's", example: { ID: '2024-09-01T00:00:00Z' } })
  @IsOptional()
  @IsObject()
  countries?: Record<string, string>;
}

/** A dated change of a WABA's settings: only the fields given change. */
export class ChangeSettingsRequest {
  @ApiProperty({ example: '102290129340398' })
  @IsLedgerId()
  wabaId!: string;

  @ApiProperty({ description: 'Local date (the WABA time zone then in force) the change applies from; the first of a month for time zone, currency and rate card', example: '2026-12-01' })
  @IsLocalDate()
  effectiveFrom!: string;

  @ApiPropertyOptional({ description: 'IANA time zone', example: 'Asia/Kolkata' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ description: 'ISO 4217 billing currency; the rate card defaults to meta-{currency}', example: 'INR' })
  @IsOptional()
  @IsBillingCurrency()
  currency?: string;

  @ApiPropertyOptional({ example: 'meta-INR' })
  @IsOptional()
  @IsLedgerId()
  rateCardId?: string;

  @ApiPropertyOptional({ description: 'ISO 3166 alpha-2', example: 'IN' })
  @IsOptional()
  @IsISO31661Alpha2()
  primaryLocation?: string;

  @ApiPropertyOptional({ description: 'Whether Meta verified the primary location (default true)' })
  @IsOptional()
  @IsBoolean()
  primaryLocationVerified?: boolean;

  @ApiPropertyOptional({ description: 'Authentication-international eligibility (permanent once granted)', type: AuthInternationalRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuthInternationalRequest)
  authInternational?: AuthInternationalRequest;

  @ApiPropertyOptional({ description: 'Why: kept in the audit trail', example: 'Meta moved the WABA to INR' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

/** The body of `POST /accounts/{wabaId}/settings`: the WABA is in the path. */
export class AccountSettingsBody extends OmitType(ChangeSettingsRequest, ['wabaId'] as const) {}
