import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject } from 'class-validator';
import { CATALOG } from '../command-catalog.js';

export const MAX_COMMANDS = 1_000;

/** The request classes a batch item may take, for the OpenAPI's extra models. */
export const BATCH_MODELS = [...new Set(Object.values(CATALOG).map((entry) => entry.request))];

export class RunBatchRequest {
  @ApiProperty({
    description: `Up to ${MAX_COMMANDS} commands in canonical form: {"type": "MessageSent", ...the fields of that command's route}. A status type (MessageDelivered, MessageRead, MessageFailed) implies its status.`,
    example: [{ type: 'MessageReceived', wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: '16505551234', messageId: 'wamid.1', timestamp: '2025-07-01T09:00:00Z', kind: 'text' }],
    type: 'array',
    items: {
      oneOf: Object.entries(CATALOG).map(([type, entry]) => ({
        title: type,
        allOf: [{ type: 'object', required: ['type'], properties: { type: { type: 'string', enum: [type] } } }, { $ref: getSchemaPath(entry.request) }],
      })),
    },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_COMMANDS)
  @IsObject({ each: true })
  commands!: Record<string, unknown>[];
}
