import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject } from 'class-validator';

export const MAX_COMMANDS = 1_000;

export class RunBatchRequest {
  @ApiProperty({
    description: `Up to ${MAX_COMMANDS} commands in canonical form: {"type": "MessageSent", ...the event's data fields}`,
    example: [{ type: 'MessageReceived', wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: '16505551234', messageId: 'wamid.1', timestamp: '2025-07-01T09:00:00Z', kind: 'text' }],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_COMMANDS)
  @IsObject({ each: true })
  commands!: Record<string, unknown>[];
}
