import { Module } from '@nestjs/common';
import { AdminPricesController } from './admin-prices.controller';
import { PricingService } from './pricing.service';

@Module({ controllers: [AdminPricesController], providers: [PricingService] })
export class PricingModule {}
