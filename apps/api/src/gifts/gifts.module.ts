import { Module } from '@nestjs/common';
import { CheckoutModule } from '../checkout/checkout.module';
import { GiftClaimsService } from './gift-claims.service';
import { GiftsController } from './gifts.controller';
import { GiftsService } from './gifts.service';

/** Gifts: bought through checkout, claimed through POST /v1/redeem (GiftClaimsService). */
@Module({
  imports: [CheckoutModule],
  controllers: [GiftsController],
  providers: [GiftsService, GiftClaimsService],
  exports: [GiftClaimsService],
})
export class GiftsModule {}
