import { ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsOptional, Matches, ValidateIf } from 'class-validator';

export const FAILURE_ID = /^(thread|month|event)-[0-9a-f]{16}$/;

/** One failure by its id, or every failure on record. */
export class RetryFailuresRequest {
  @ApiPropertyOptional({ description: 'A failure id as `GET /projection/failures` lists it', example: 'thread-3f2a9c0d1e4b5a67' })
  @ValidateIf((r: RetryFailuresRequest) => r.all !== true)
  @Matches(FAILURE_ID, { message: 'must be a failure id as GET /projection/failures lists it (or send "all": true)' })
  failureId?: string;

  @ApiPropertyOptional({ description: 'Every failure on record' })
  @IsOptional()
  @Equals(true)
  all?: boolean;
}
