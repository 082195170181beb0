import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { mailJobOf } from '@keyseed/mail';
import { JobPayloads, JobQueues, RedisAvailability, WorkQueue } from '@keyseed/queues';
import { IngestService } from '../ingest/ingest.service';
import { MailService } from '../mail/mail.service';
import { PublishService } from '../publish/publish.service';
import type { JobProcessor } from '../queue-worker-host';
import { HousekeepingScheduler } from './housekeeping.scheduler';

/** Pending e-mails checked per sweep (oldest first; a backlog drains over a few sweeps). */
const MAIL_SWEEP_BATCH = 500;

export interface SweepResult {
  /** Jobs re-created because the database says they are due and Redis had none (or only a finished one). */
  requeued: string[];
  /** Jobs BullMQ failed for good whose failure never reached the database (it was unreachable then). */
  failed: string[];
  /** Housekeeping schedules re-created. */
  schedules: string[];
}

/**
 * The database is the truth about pending work; Redis only carries it. Every SWEEP_INTERVAL_MS
 * (and at start) this compares the two: each item QUEUED or INGESTING and each bundle PUBLISHING
 * must have a live job under its stable id, or it is enqueued again (so must each PENDING e-mail of
 * the outbox older than one sweep interval: queueing it failed, or Redis lost it); a job BullMQ failed for good
 * has its failure recorded if that never happened; missing housekeeping schedules are re-created.
 * It runs on a timer of its own, not as a queued job, because losing Redis's data would lose such
 * a job too. Every worker replica may run it: job ids are stable, so concurrent sweeps collapse.
 */
@Injectable()
export class JobSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('sweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaService,
    private readonly jobs: JobQueues,
    private readonly redis: RedisAvailability,
    private readonly schedules: HousekeepingScheduler,
    private readonly ingest: IngestService,
    private readonly publish: PublishService,
    private readonly mail: MailService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running = this.sweep().catch((err: Error) =>
        this.logger.warn({ event: 'sweep.failed', message: err.message }),
      );
    };
    tick();
    this.timer = setInterval(tick, this.config.SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { requeued: [], failed: [], schedules: [] };
    if (!this.redis.isUp) return result;
    result.schedules = await this.schedules.restoreMissing();
    const items = await this.prisma.item.findMany({
      where: { status: { in: ['QUEUED', 'INGESTING'] } },
      select: { id: true, ingestGeneration: true },
    });
    for (const item of items)
      await this.reconcile(this.ingest, { itemId: item.id, generation: item.ingestGeneration }, result);
    const bundles = await this.prisma.bundle.findMany({ where: { status: 'PUBLISHING' }, select: { id: true } });
    for (const bundle of bundles) await this.reconcile(this.publish, { bundleId: bundle.id }, result);
    const mails = await this.prisma.mailMessage.findMany({
      where: { status: 'PENDING', createdAt: { lte: new Date(Date.now() - this.config.SWEEP_INTERVAL_MS) } },
      orderBy: { createdAt: 'asc' },
      take: MAIL_SWEEP_BATCH,
    });
    for (const mail of mails) await this.reconcile(this.mail, mailJobOf(mail), result);
    if (result.requeued.length || result.failed.length || result.schedules.length)
      this.logger.warn({ event: 'sweep.repaired', ...result });
    return result;
  }

  private async reconcile<Q extends WorkQueue>(
    processor: JobProcessor<Q>,
    data: JobPayloads[Q],
    result: SweepResult,
  ): Promise<void> {
    const job = await this.jobs.find(processor.queue, data);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      await processor.markFailed(job as Job<JobPayloads[Q]>, new Error(job!.failedReason || 'the job failed'));
      result.failed.push(job!.id!);
    } else if (state === 'missing' || state === 'completed' || state === 'unknown') {
      result.requeued.push(await this.jobs.enqueue(processor.queue, data));
    }
  }
}
