import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { HousekeepingJob, QueueName } from '@keyseed/queues';

/** Periodic housekeeping jobs. Job schedulers are upserted by id, so every worker replica may run this at start. */
export const HOUSEKEEPING_SCHEDULES: Array<{ id: string; everyMs: number; data: HousekeepingJob }> = [
  { id: 'expire-uploads', everyMs: 15 * 60_000, data: { kind: 'expire-uploads' } },
  { id: 'reconcile-orders', everyMs: 60_000, data: { kind: 'reconcile-orders' } },
  { id: 'backfill-piece-roots', everyMs: 60 * 60_000, data: { kind: 'backfill-piece-roots' } },
  { id: 'announce-releases', everyMs: 60_000, data: { kind: 'announce-releases' } },
];

@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.Housekeeping) private readonly queue: Queue<HousekeepingJob>) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const s of HOUSEKEEPING_SCHEDULES) await this.upsert(s);
  }

  /** Re-creates the schedules Redis no longer has (its data was lost); returns their ids. */
  async restoreMissing(): Promise<string[]> {
    const restored: string[] = [];
    for (const s of HOUSEKEEPING_SCHEDULES) {
      if (await this.queue.getJobScheduler(s.id)) continue;
      await this.upsert(s);
      restored.push(s.id);
    }
    return restored;
  }

  private async upsert(s: (typeof HOUSEKEEPING_SCHEDULES)[number]): Promise<void> {
    await this.queue.upsertJobScheduler(
      s.id,
      { every: s.everyMs },
      { name: s.data.kind, data: s.data, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }
}
