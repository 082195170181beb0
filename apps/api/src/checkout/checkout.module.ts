import { Module } from '@nestjs/common';
import { CheckoutReturnController } from './checkout-return.controller';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

@Module({ controllers: [CheckoutController, CheckoutReturnController], providers: [CheckoutService] })
export class CheckoutModule {}
