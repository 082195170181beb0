import { Global, Module } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { ConnectAccounts } from './connect-accounts.service';
import { DiscountUses } from './discount-uses.service';
import { OpenCheckouts } from './open-checkouts.service';
import { OrderTransitions } from './order-transitions.service';
import { ReconcileOrdersService } from './reconcile-orders.service';
import { createStripeClient, STRIPE, STRIPE_SETTINGS, StripeSettings, stripeSettingsFromConfig } from './stripe-client';

/**
 * Payments shared by api and worker: the configured Stripe SDK client (`STRIPE`), its settings
 * (`STRIPE_SETTINGS`: webhook secret, emulator or not), the order/license state machine and
 * `OpenCheckouts` (closing payable sessions when a bundle's price or sale status changes).
 * Import once per app; needs ConfigModule and DatabaseModule (both global).
 */
@Global()
@Module({
  providers: [
    {
      provide: STRIPE_SETTINGS,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => stripeSettingsFromConfig(config),
    },
    {
      provide: STRIPE,
      inject: [STRIPE_SETTINGS],
      useFactory: (settings: StripeSettings & { secretKey: string }) => createStripeClient(settings),
    },
    OrderTransitions,
    OpenCheckouts,
    ConnectAccounts,
    DiscountUses,
    ReconcileOrdersService,
  ],
  exports: [
    STRIPE,
    STRIPE_SETTINGS,
    OrderTransitions,
    OpenCheckouts,
    ConnectAccounts,
    DiscountUses,
    ReconcileOrdersService,
  ],
})
export class PaygateModule {}
