import { Module } from '@nestjs/common';
import { DiscountsModule } from '../discounts/discounts.module';
import { CheckoutReturnController } from './checkout-return.controller';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

@Module({
  imports: [DiscountsModule],
  controllers: [CheckoutController, CheckoutReturnController],
  providers: [CheckoutService],
  exports: [CheckoutService],
})
export class CheckoutModule {}
