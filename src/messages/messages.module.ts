import { Module } from '@nestjs/common';
import { MessagesController } from './messages.controller.js';
import { RecordReceivedHandler } from './record-received/record-received.handler.js';
import { RecordSentHandler } from './record-sent/record-sent.handler.js';
import { RecordStatusHandler } from './record-status/record-status.handler.js';

@Module({
  controllers: [MessagesController],
  providers: [RecordSentHandler, RecordReceivedHandler, RecordStatusHandler],
})
export class MessagesModule {}
