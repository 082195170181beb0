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

  /** Sets or clears (null) the release time; audited with the previous value. */
  async setRelease(bundleId: string, releaseAt: Date | null, actorId: string): Promise<BundleView> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', bundleId);
      const before = await tx.bundle.findUnique({ where: { id: bundleId } });
      if (!before) throw new NotFoundException(`bundle ${bundleId} not found`);
      if (before.status === 'TAKEN_DOWN')
        throw new ConflictException(`bundle ${before.slug} is taken down: its release time cannot change`);
      const after = await tx.bundle.update({ where: { id: bundleId }, data: { releaseAt }, include: { items: true } });
      await this.audit.record(
        {
          actorId,
          action: 'bundle.release.set',
          targetType: 'bundle',
          targetId: bundleId,
          details: { from: before.releaseAt?.toISOString() ?? null, to: releaseAt?.toISOString() ?? null },
        },
        tx,
      );
      this.logger.log({ event: 'bundle.release.set', bundleId, releaseAt, actorId });
      return bundleView(after);
    });
  }
}
