import { Module } from '@nestjs/common';
import { PublishRateCardHandler } from './publish-rate-card/publish-rate-card.handler.js';
import { RateCardsController } from './rate-cards.controller.js';

@Module({ controllers: [RateCardsController], providers: [PublishRateCardHandler] })
export class RateCardsModule {}
