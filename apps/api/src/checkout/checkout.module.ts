import { Module } from '@nestjs/common';
import { CheckoutPagesController } from './checkout-pages.controller';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

@Module({ controllers: [CheckoutController, CheckoutPagesController], providers: [CheckoutService] })
export class CheckoutModule {}
