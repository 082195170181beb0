import { Injectable, NotFoundException } from '@nestjs/common';
import { CreatorFeeChange, lockRow, PrismaService } from '@keyseed/database';
import { percentToBps } from '@keyseed/paygate';
import { AuditService } from '../audit/audit.service';
import { CreatorFeeChangeView } from './dtos/payouts.responses';

/** Per-creator overrides of PLATFORM_FEE_PERCENT: the current one on the user, every change kept. */
@Injectable()
export class CreatorFeesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  set(adminId: string, creatorId: string, percent: number | null): Promise<CreatorFeeChangeView> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'User', creatorId);
      const creator = await tx.user.findFirst({
        where: { id: creatorId, roles: { has: 'CREATOR' } },
        select: { platformFeeBps: true },
      });
      if (!creator) throw new NotFoundException(`creator ${creatorId} not found`);
      const newBps = percent === null ? null : percentToBps(percent);
      await tx.user.update({ where: { id: creatorId }, data: { platformFeeBps: newBps } });
      const change = await tx.creatorFeeChange.create({
        data: { creatorId, adminId, oldBps: creator.platformFeeBps, newBps },
      });
      await this.audit.record(
        {
          actorId: adminId,
          action: 'creator.fee.set',
          targetType: 'user',
          targetId: creatorId,
          details: { oldBps: change.oldBps, newBps },
        },
        tx,
      );
      return feeChangeView(change);
    });
  }

  async history(creatorId: string): Promise<CreatorFeeChangeView[]> {
    const creator = await this.prisma.user.findUnique({ where: { id: creatorId }, select: { id: true } });
    if (!creator) throw new NotFoundException(`creator ${creatorId} not found`);
    const changes = await this.prisma.creatorFeeChange.findMany({
      where: { creatorId },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    return changes.map(feeChangeView);
  }
}

function feeChangeView(c: CreatorFeeChange): CreatorFeeChangeView {
  return {
    id: c.id,
    adminId: c.adminId,
    oldPercent: c.oldBps === null ? null : c.oldBps / 100,
    newPercent: c.newBps === null ? null : c.newBps / 100,
    createdAt: c.createdAt,
  };
}
