import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { PrismaService, RedeemBatch } from '@keyseed/database';
import { formatClaimCode, normalizeClaimCode, randomClaimCode, REDEEM_CODE_LENGTH } from '@keyseed/paygate';
import { AuditService } from '../audit/audit.service';
import { RedeemBatchView, RedeemCodeView } from './dtos/redeem.responses';

/** Rows per page of the CSV export (streamed page by page). */
const CSV_PAGE = 1000;

/**
 * Redeem codes (docs/architecture.md, codes): batches of single-use codes that each grant a license
 * of one bundle without payment. A batch is one multi-row INSERT (5 000 codes in one round trip);
 * codes are 80 random bits, kept in clear so the creator can export them again.
 */
@Injectable()
export class RedeemBatchesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  async create(actorId: string, bundleId: string, count: number, label: string): Promise<RedeemBatchView> {
    const batch = await this.prisma.$transaction(
      async (tx) => {
        const created = await tx.redeemBatch.create({ data: { bundleId, createdById: actorId, label, size: count } });
        // 80-bit codes all but never collide; a collision (ON CONFLICT) is made up for by another round.
        for (let missing = count; missing > 0;) {
          const codes = Array.from({ length: missing }, () => randomClaimCode(REDEEM_CODE_LENGTH));
          const inserted = await tx.$executeRaw`
            INSERT INTO "RedeemCode" (code, "batchId")
            SELECT c, ${created.id}::uuid FROM unnest(${codes}::text[]) AS c
            ON CONFLICT DO NOTHING`;
          missing -= inserted;
        }
        await this.audit.record(
          {
            actorId,
            action: 'redeem_batch.create',
            targetType: 'redeem_batch',
            targetId: created.id,
            details: { bundleId, size: count, label },
          },
          tx,
        );
        return created;
      },
      { timeout: 30_000 },
    );
    return this.view(batch, 0, 0);
  }

  async list(bundleId: string): Promise<RedeemBatchView[]> {
    const batches = await this.prisma.redeemBatch.findMany({ where: { bundleId }, orderBy: { createdAt: 'desc' } });
    const counts = await this.prisma.redeemCode.groupBy({
      by: ['batchId'],
      where: { batchId: { in: batches.map((b) => b.id) } },
      _count: { usedAt: true, revokedAt: true },
    });
    return batches.map((b) => {
      const c = counts.find((x) => x.batchId === b.id)?._count;
      return this.view(b, c?.usedAt ?? 0, c?.revokedAt ?? 0);
    });
  }

  /** Revokes every unused code of the batch; licenses already granted stay. */
  async revokeBatch(actorId: string, batchId: string): Promise<RedeemBatchView> {
    await this.prisma.$transaction(async (tx) => {
      const now = new Date();
      await tx.redeemBatch.updateMany({ where: { id: batchId, revokedAt: null }, data: { revokedAt: now } });
      await tx.redeemCode.updateMany({ where: { batchId, usedAt: null, revokedAt: null }, data: { revokedAt: now } });
      await this.audit.record(
        { actorId, action: 'redeem_batch.revoke', targetType: 'redeem_batch', targetId: batchId },
        tx,
      );
    });
    return (await this.list((await this.batch(batchId)).bundleId)).find((b) => b.id === batchId)!;
  }

  /** Revokes one unused code of the batch (a used one has granted its license already: 409). */
  async revokeCode(actorId: string, batchId: string, typed: string): Promise<RedeemCodeView> {
    const code = normalizeClaimCode(typed);
    const row = code ? await this.prisma.redeemCode.findUnique({ where: { code } }) : null;
    if (!row || row.batchId !== batchId)
      throw new NotFoundException(`code ${JSON.stringify(typed.slice(0, 40))} is not in batch ${batchId}`);
    if (row.usedAt)
      throw new ConflictException(`code ${formatClaimCode(row.code)} was already used on ${row.usedAt.toISOString()}`);
    const updated = await this.prisma.$transaction(async (tx) => {
      const done = await tx.redeemCode.update({
        where: { code: row.code },
        data: { revokedAt: row.revokedAt ?? new Date() },
      });
      await this.audit.record(
        {
          actorId,
          action: 'redeem_code.revoke',
          targetType: 'redeem_batch',
          targetId: batchId,
          details: { code: row.code },
        },
        tx,
      );
      return done;
    });
    return codeView(updated);
  }

  /** The batch's codes as CSV lines (header first), read page by page so memory stays flat. */
  async csv(batchId: string): Promise<AsyncGenerator<string>> {
    await this.batch(batchId);
    return this.csvLines(batchId);
  }

  private async *csvLines(batchId: string): AsyncGenerator<string> {
    yield 'code,status,used_at,revoked_at\n';
    let after = '';
    for (;;) {
      const page = await this.prisma.redeemCode.findMany({
        where: { batchId, code: { gt: after } },
        orderBy: { code: 'asc' },
        take: CSV_PAGE,
      });
      if (page.length === 0) return;
      yield page
        .map(codeView)
        .map((c) => `${c.code},${c.status},${c.usedAt?.toISOString() ?? ''},${c.revokedAt?.toISOString() ?? ''}\n`)
        .join('');
      after = page[page.length - 1].code;
    }
  }

  private async batch(batchId: string): Promise<RedeemBatch> {
    const batch = await this.prisma.redeemBatch.findUnique({ where: { id: batchId } });
    if (!batch) throw new NotFoundException(`redeem batch ${batchId} not found`);
    return batch;
  }

  private view(b: RedeemBatch, used: number, revoked: number): RedeemBatchView {
    return {
      id: b.id,
      bundleId: b.bundleId,
      label: b.label,
      size: b.size,
      used,
      revoked,
      revokedAt: b.revokedAt,
      createdAt: b.createdAt,
      csvUrl: `/v1/redeem-batches/${b.id}/codes.csv`,
    };
  }
}

function codeView(c: { code: string; usedAt: Date | null; revokedAt: Date | null }): RedeemCodeView {
  return {
    code: formatClaimCode(c.code),
    status: c.usedAt ? 'USED' : c.revokedAt ? 'REVOKED' : 'UNUSED',
    usedAt: c.usedAt,
    revokedAt: c.revokedAt,
  };
}
