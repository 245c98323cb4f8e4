import { Module } from '@nestjs/common';
import { PublishRateCardHandler } from './publish-rate-card/publish-rate-card.handler.js';
import { RateCardCatalog } from './rate-card-catalog.js';
import { RateCardsController } from './rate-cards.controller.js';
import { WithdrawRateCardHandler } from './withdraw-rate-card/withdraw-rate-card.handler.js';

@Module({ controllers: [RateCardsController], providers: [PublishRateCardHandler, WithdrawRateCardHandler, RateCardCatalog], exports: [RateCardCatalog] })
export class RateCardsModule {}
