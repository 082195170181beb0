import { ConflictException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { PrismaService } from '@keyseed/database';
import { jobId, PublishJob, QueueName } from '@keyseed/queues';
import { PublishAcceptedView, PublishConflictView } from './dtos/bundle.responses';

/**
 * Bundle lifecycle after editing: DRAFT → PUBLISHING (publish job) → PUBLISHED ⇄ UNLISTED.
 */
@Injectable()
export class BundlePublishingService {
  private readonly logger = new Logger('bundles');

  constructor(
    private readonly prisma: PrismaService,
    @InjectQueue(QueueName.Publish) private readonly publishQueue: Queue<PublishJob>,
  ) {}

  /**
   * Returns the accepted job, or a 409 body listing the items that are not READY. `releaseAt` (a
   * premiere's release time) is set with the move to PUBLISHING; null leaves the bundle's as it is.
   */
  async publish(bundleId: string, releaseAt: Date | null = null): Promise<PublishAcceptedView | PublishConflictView> {
    const notReady = await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Bundle" WHERE id = ${bundleId}::uuid FOR UPDATE`;
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
    const id = await this.enqueuePublish(bundleId);
    this.logger.log({ event: 'bundle.publish.queued', bundleId, jobId: id });
    return { id: bundleId, status: 'PUBLISHING', jobId: id };
  }

  /**
   * Publish jobs use the stable id `jobId.publish(bundleId)`, so a double submit collapses into one
   * job. A finished (completed/failed) job with that id is still kept by BullMQ and would swallow a
   * later re-publish (after a failed publish put the bundle back to DRAFT), so it is removed first.
   * An active or waiting one is left alone: the DRAFT → PUBLISHING transition guards against that.
   */
  private async enqueuePublish(bundleId: string): Promise<string> {
    const id = jobId.publish(bundleId);
    const previous = await this.publishQueue.getJob(id);
    if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) await previous.remove();
    await this.publishQueue.add(
      'publish',
      { bundleId },
      { jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
    );
    return id;
  }

  async unlist(bundleId: string): Promise<void> {
    await this.transition(bundleId, 'PUBLISHED', 'UNLISTED');
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
