import { Module } from '@nestjs/common';
import { GiftsModule } from '../gifts/gifts.module';
import { RedeemBatchesController } from './redeem-batches.controller';
import { RedeemBatchesService } from './redeem-batches.service';
import { RedeemController } from './redeem.controller';
import { RedeemService } from './redeem.service';

/** Redeem codes: creators' batches (make, list, export, revoke) and buyers redeeming codes and gift claims. */
@Module({
  imports: [GiftsModule],
  controllers: [RedeemBatchesController, RedeemController],
  providers: [RedeemBatchesService, RedeemService],
})
export class RedeemModule {}
