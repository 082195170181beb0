import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Bundle, BundleStatus, Item, lockRow, Prisma, PrismaService } from '@keyseed/database';
import { TrackerWhitelist } from '@keyseed/opentracker';
import { OpenCheckouts } from '@keyseed/paygate';
import { AuditService } from '../audit/audit.service';

type BundleWithItems = Bundle & { items: Item[] };

/**
 * The status a restored bundle returns to: the one it had before the takedown, except that a
 * publish cut short (PUBLISHING: its job skips a bundle that is not PUBLISHING) goes back to DRAFT.
 * Without a recorded status, a bundle that was ever published is PUBLISHED again, else DRAFT.
 */
export function statusAfterRestore(bundle: Pick<Bundle, 'statusBeforeTakedown' | 'infoHashV1'>): BundleStatus {
  const before = bundle.statusBeforeTakedown;
  if (before === 'PUBLISHING') return 'DRAFT';
  if (before && before !== 'TAKEN_DOWN') return before;
  return bundle.infoHashV1 ? 'PUBLISHED' : 'DRAFT';
}

/**
 * Moderation of bundles: an admin takes a bundle down (it disappears from the catalog, tracker,
 * webseed and key delivery for everyone but its creator and admins) and may restore it. The
 * previous status is kept on the bundle; each change lands with its audit entry in one transaction.
 */
@Injectable()
export class ModerationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly openCheckouts: OpenCheckouts,
    private readonly trackerWhitelist: TrackerWhitelist,
  ) {}

  /** Also expires the bundle's open checkouts: a taken-down bundle is off sale. */
  async takedown(adminId: string, bundleId: string, reason: string): Promise<BundleWithItems> {
    const after = await this.moderate(adminId, bundleId, 'bundle.takedown', (before) => {
      if (before.status === 'TAKEN_DOWN') throw new ConflictException(`bundle ${before.slug} is already taken down`);
      return {
        data: { status: 'TAKEN_DOWN', takedownReason: reason, statusBeforeTakedown: before.status },
        details: { reason, previousStatus: before.status },
      };
    });
    await this.openCheckouts.closeForBundle(bundleId, 'bundle taken down');
    await this.trackerWhitelist.changed();
    return after;
  }

  async restore(adminId: string, bundleId: string): Promise<BundleWithItems> {
    const after = await this.moderate(adminId, bundleId, 'bundle.restore', (before) => {
      if (before.status !== 'TAKEN_DOWN')
        throw new ConflictException(`bundle ${before.slug} is ${before.status}, not taken down`);
      const status = statusAfterRestore(before);
      return {
        data: { status, takedownReason: null, statusBeforeTakedown: null },
        details: { status, reason: before.takedownReason },
      };
    });
    await this.trackerWhitelist.changed();
    return after;
  }

  /** With the bundle row locked: `change` checks the bundle and says what to write and audit. */
  private moderate(
    adminId: string,
    bundleId: string,
    action: 'bundle.takedown' | 'bundle.restore',
    change: (before: Bundle) => { data: Prisma.BundleUpdateInput; details: Prisma.InputJsonValue },
  ): Promise<BundleWithItems> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', bundleId);
      const before = await tx.bundle.findUnique({ where: { id: bundleId } });
      if (!before) throw new NotFoundException(`bundle ${bundleId} not found`);
      const { data, details } = change(before);
      const after = await tx.bundle.update({ where: { id: bundleId }, data, include: { items: true } });
      await this.audit.record({ actorId: adminId, action, targetType: 'bundle', targetId: bundleId, details }, tx);
      return after;
    });
  }
}
