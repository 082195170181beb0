import { Module } from '@nestjs/common';
import { ExpireUploadsService } from './expire-uploads.service';
import { HousekeepingProcessor } from './housekeeping.processor';
import { HousekeepingScheduler } from './housekeeping.scheduler';

/** Housekeeping queue: processor (dispatch by kind), its services, and the periodic schedules. */
@Module({
  providers: [HousekeepingProcessor, HousekeepingScheduler, ExpireUploadsService],
})
export class HousekeepingModule {}
