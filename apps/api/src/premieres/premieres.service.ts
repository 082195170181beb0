import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { lockRow, PrismaService } from '@keyseed/database';
import { AuditService } from '../audit/audit.service';
import { bundleView } from '../bundles/bundle-view';
import { BundleView } from '../bundles/dtos/bundle.responses';

/**
 * Premieres: a bundle's `releaseAt`. Before it the bundle is public, seeded and sold (pre-orders
 * give ACTIVE licenses) but license keys are withheld; from it on keys flow, with no job involved
 * (key delivery compares releaseAt with the clock on every request).
 */
@Injectable()
export class PremieresService {
  private readonly logger = new Logger('premieres');

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  /** Sets or clears (null: release now) the release time; audited with the previous value. */
  async setRelease(bundleId: string, releaseAt: Date | null, actorId: string): Promise<BundleView> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', bundleId);
      const before = await tx.bundle.findUnique({ where: { id: bundleId } });
      if (!before) throw new NotFoundException(`bundle ${bundleId} not found`);
      if (before.status === 'TAKEN_DOWN')
        throw new ConflictException(`bundle ${before.slug} is taken down: its release time cannot change`);
      const now = new Date();
      // Releasing a pending premiere now records the moment (not null), so its pre-orders' buyers
      // are still told it is out (worker, announce-releases); a release moved ahead is announced again
      // when it comes (each buyer is told once: the notices' outbox keys are per license).
      const pending = before.releaseAt !== null && before.releaseAt > now;
      const effective = releaseAt === null && pending ? now : releaseAt;
      const ahead = effective !== null && effective > now;
      const after = await tx.bundle.update({
        where: { id: bundleId },
        data: { releaseAt: effective, ...(ahead && { releaseAnnouncedAt: null }) },
        include: { items: true },
      });
      await this.audit.record(
        {
          actorId,
          action: 'bundle.release.set',
          targetType: 'bundle',
          targetId: bundleId,
          details: { from: before.releaseAt?.toISOString() ?? null, to: effective?.toISOString() ?? null },
        },
        tx,
      );
      this.logger.log({ event: 'bundle.release.set', bundleId, releaseAt: effective, actorId });
      return bundleView(after);
    });
  }
}
