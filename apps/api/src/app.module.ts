import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { QueuesModule } from '@keyseed/queues';
import { StorageModule } from '@keyseed/storage';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BundlesModule } from './bundles/bundles.module';
import { CatalogModule } from './catalog/catalog.module';
import { HealthModule } from './health/health.module';
import { CheckoutModule } from './checkout/checkout.module';
import { DiscountsModule } from './discounts/discounts.module';
import { GiftsModule } from './gifts/gifts.module';
import { RedeemModule } from './redeem/redeem.module';
import { KeysModule } from './keys/keys.module';
import { PremieresModule } from './premieres/premieres.module';
import { LicensesModule } from './licenses/licenses.module';
import { PayoutsModule } from './payouts/payouts.module';
import { PricingModule } from './pricing/pricing.module';
import { StripeWebhooksModule } from './stripe-webhooks/stripe-webhooks.module';
import { KeyringModule } from '@keyseed/keyring';
import { MailModule } from '@keyseed/mail';
import { OpentrackerModule } from '@keyseed/opentracker';
import { PaygateModule } from '@keyseed/paygate';
import { UploadsModule } from './uploads/uploads.module';
import { WebseedModule } from './webseed/webseed.module';
import { TrackerModule } from './tracker/tracker.module';
import { EgressModule } from './egress/egress.module';
import { EmailGateModule } from './email-gate/email-gate.module';

@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    StorageModule,
    QueuesModule.register(),
    MailModule,
    AuditModule,
    AuthModule,
    HealthModule,
    AccountsModule,
    AdminModule,
    KeyringModule,
    PaygateModule,
    PricingModule,
    PayoutsModule,
    CheckoutModule,
    DiscountsModule,
    GiftsModule,
    RedeemModule,
    StripeWebhooksModule,
    LicensesModule,
    KeysModule,
    PremieresModule,
    BundlesModule,
    UploadsModule,
    CatalogModule,
    WebseedModule,
    TrackerModule,
    EgressModule,
    EmailGateModule,
    OpentrackerModule,
  ],
})
export class AppModule {}
