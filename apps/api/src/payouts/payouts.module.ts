import { Module } from '@nestjs/common';
import { AdminCreatorFeesController } from './admin-creator-fees.controller';
import { CreatorFeesService } from './creator-fees.service';
import { PayoutsController } from './payouts.controller';
import { PayoutsService } from './payouts.service';

/** Stripe Connect for creators: payout accounts, onboarding, earnings; admins' per-creator fees. */
@Module({
  controllers: [PayoutsController, AdminCreatorFeesController],
  providers: [PayoutsService, CreatorFeesService],
})
export class PayoutsModule {}
