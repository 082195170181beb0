import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@keyseed/queues';
import { ExpireUploadsService } from './expire-uploads.service';
import { HousekeepingProcessor } from './housekeeping.processor';
import { HousekeepingScheduler } from './housekeeping.scheduler';

/** Housekeeping queue: processor (dispatch by kind), its services, and the periodic schedules. */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Housekeeping })],
  providers: [HousekeepingProcessor, HousekeepingScheduler, ExpireUploadsService],
})
export class HousekeepingModule {}
