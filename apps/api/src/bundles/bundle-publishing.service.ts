import { ConflictException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { lockRow, PrismaService } from '@keyseed/database';
import { OpenCheckouts } from '@keyseed/paygate';
import { JobQueues, QueueName, RedisAvailability } from '@keyseed/queues';
import { PublishAcceptedView, PublishConflictView } from './dtos/bundle.responses';

/**
 * Bundle lifecycle after editing: DRAFT → PUBLISHING (publish job) → PUBLISHED ⇄ UNLISTED.
 */
@Injectable()
export class BundlePublishingService {
  private readonly logger = new Logger('bundles');

  constructor(
    private readonly prisma: PrismaService,
    private readonly jobs: JobQueues,
    private readonly redis: RedisAvailability,
    private readonly openCheckouts: OpenCheckouts,
  ) {}

  /**
   * Returns the accepted job, or a 409 body listing the items that are not READY. `releaseAt` (a
   * premiere's release time) is set with the move to PUBLISHING; null leaves the bundle's as it is.
   * Holds the bundle's row lock like an upload's completion, so the two never interleave (see
   * UploadsService.complete). A 503 during a Redis outage, before anything changes.
   */
  async publish(bundleId: string, releaseAt: Date | null = null): Promise<PublishAcceptedView | PublishConflictView> {
    this.redis.assertUp('publishing');
    const notReady = await this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', bundleId);
      const bundle = await tx.bundle.findUniqueOrThrow({
        where: { id: bundleId },
        include: { items: { orderBy: { position: 'asc' } } },
      });
      if (bundle.status !== 'DRAFT')
        throw new ConflictException(`bundle ${bundle.slug} is ${bundle.status}; only a DRAFT bundle can be published`);
      if (bundle.items.length === 0)
        throw new ConflictException(
          `bundle ${bundle.slug} has no items; add and upload at least one before publishing`,
        );
      const waiting = bundle.items.filter((i) => i.status !== 'READY');
      if (waiting.length) return waiting;
      // An earlier attempt's failed job goes while the bundle is still a DRAFT (the sweeper ignores
      // drafts): once PUBLISHING, a failed job under this id can only be this attempt's.
      await this.jobs.discardFinished(QueueName.Publish, { bundleId });
      await tx.bundle.update({
        where: { id: bundleId },
        data: { status: 'PUBLISHING', ...(releaseAt ? { releaseAt } : {}) },
      });
      return [];
    });
    if (notReady.length) {
      return {
        statusCode: HttpStatus.CONFLICT,
        error: 'Conflict',
        message: `cannot publish until every item is READY; not ready: ${notReady.map((i) => `${i.path} (${i.status})`).join(', ')}`,
        items: notReady.map((i) => ({ id: i.id, path: i.path, status: i.status, failureReason: i.failureReason })),
      };
    }
    const job = { bundleId };
    const id = await this.jobs.enqueue(QueueName.Publish, job).catch((err: Error) => {
      // The bundle is PUBLISHING in the database, which is the truth: the worker's sweeper enqueues it.
      this.logger.warn({ event: 'bundle.publish.enqueue_deferred', bundleId, message: err.message });
      return this.jobs.idOf(QueueName.Publish, job);
    });
    this.logger.log({ event: 'bundle.publish.queued', bundleId, jobId: id });
    return { id: bundleId, status: 'PUBLISHING', jobId: id };
  }

  /**
   * Only a PUBLISHED bundle is sold, so unlisting takes it off sale: its open checkouts are expired
   * (like a takedown or a price removal); existing buyers keep downloading and unlocking.
   */
  async unlist(bundleId: string): Promise<void> {
    await this.transition(bundleId, 'PUBLISHED', 'UNLISTED');
    await this.openCheckouts.closeForBundle(bundleId, 'bundle unlisted');
  }

  async relist(bundleId: string): Promise<void> {
    await this.transition(bundleId, 'UNLISTED', 'PUBLISHED');
  }

  private async transition(
    bundleId: string,
    from: 'PUBLISHED' | 'UNLISTED',
    to: 'PUBLISHED' | 'UNLISTED',
  ): Promise<void> {
    const { count } = await this.prisma.bundle.updateMany({
      where: { id: bundleId, status: from },
      data: { status: to },
    });
    if (count === 0) {
      const bundle = await this.prisma.bundle.findUniqueOrThrow({ where: { id: bundleId } });
      if (bundle.status !== to)
        throw new ConflictException(`bundle ${bundle.slug} is ${bundle.status}; it must be ${from} to become ${to}`);
    }
  }
}
