import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@keyseed/database';
import { AuditEntryView } from './dtos/audit-entry.view';
import { AuditQueryDto } from './dtos/audit-query.dto';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details?: Prisma.InputJsonValue;
}

/** Admin audit log: who did what to which record. Pass `tx` to land it with the change itself; admins read it at GET /v1/admin/audit. */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: AuditEntry, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.auditLog.create({ data: { ...entry, details: entry.details ?? {} } });
  }

  /** A page of entries, newest first (id breaks ties so pages never overlap). */
  async list(q: AuditQueryDto): Promise<AuditEntryView[]> {
    const rows = await this.prisma.auditLog.findMany({
      where: { actorId: q.actorId, action: q.action, targetType: q.targetType, targetId: q.targetId },
      include: { actor: { select: { email: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (q.page - 1) * q.perPage,
      take: q.perPage,
    });
    return rows.map(({ actor, ...row }) => ({ ...row, actorEmail: actor?.email ?? null }));
  }
}
