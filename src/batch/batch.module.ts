import { Module } from '@nestjs/common';
import { BatchController } from './batch.controller.js';
import { RunBatchHandler } from './run-batch/run-batch.handler.js';

@Module({ controllers: [BatchController], providers: [RunBatchHandler] })
export class BatchModule {}
