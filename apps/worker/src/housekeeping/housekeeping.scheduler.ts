import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { HousekeepingJob, QueueName } from '@keyseed/queues';

/** Periodic housekeeping jobs. Job schedulers are upserted by id, so every worker replica may run this at start. */
export const HOUSEKEEPING_SCHEDULES: Array<{ id: string; everyMs: number; data: HousekeepingJob }> = [
  { id: 'expire-uploads', everyMs: 15 * 60_000, data: { kind: 'expire-uploads' } },
  { id: 'reconcile-orders', everyMs: 60_000, data: { kind: 'reconcile-orders' } },
];

@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.Housekeeping) private readonly queue: Queue<HousekeepingJob>) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const s of HOUSEKEEPING_SCHEDULES) {
      await this.queue.upsertJobScheduler(
        s.id,
        { every: s.everyMs },
        { name: s.data.kind, data: s.data, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    }
  }
}
