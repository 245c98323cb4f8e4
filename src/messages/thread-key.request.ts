import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import type { ValidationOptions } from 'class-validator';
import { IsInstant, IsPrintableId } from '../common/edge-rules.js';

export const ID = /^[A-Za-z0-9_.:=+/-]{1,128}$/;
export const WA_ID = /^[1-9]\d{5,14}$/;

/** Ids the ledger puts in stream names and keys: WABA, number, portfolio, rate card, version. */
export const IsLedgerId = (options: ValidationOptions = {}) => Matches(ID, { message: 'must be 1 to 128 letters, digits or ._:=+/-', ...options });

/** A business number and the WABA it belongs to. */
export class NumberKeyRequest {
  @ApiProperty({ example: '102290129340398' })
  @IsLedgerId()
  wabaId!: string;

  @ApiProperty({ example: '106540352242922' })
  @IsLedgerId()
  phoneNumberId!: string;
}

/** The fields every message command shares: whose thread, which message, when. */
export class ThreadMessageRequest extends NumberKeyRequest {
  @ApiProperty({ description: "The customer's wa_id: the international number's digits, no '+'", example: '16505551234' })
  @Matches(WA_ID, { message: "must be the customer's wa_id: 6 to 15 digits, no '+'" })
  customer!: string;

  @ApiProperty({ description: "Meta's wamid", example: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA=' })
  @IsPrintableId(256)
  messageId!: string;

  @ApiProperty({ description: 'RFC 3339 with Z or an offset, from 2018 to a day past the ledger clock; stored in UTC', example: '2025-06-18T19:46:32Z' })
  @IsInstant()
  timestamp!: string;
}
