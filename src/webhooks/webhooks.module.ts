import { Module } from '@nestjs/common';
import { ReceiveWebhookHandler } from './receive-webhook/receive-webhook.handler.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({ controllers: [WebhooksController], providers: [ReceiveWebhookHandler] })
export class WebhooksModule {}
