import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@keyseed/database';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details?: Prisma.InputJsonValue;
}

/** Admin audit log: who did what to which record. Pass `tx` to land it with the change itself. */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: AuditEntry, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.auditLog.create({ data: { ...entry, details: entry.details ?? {} } });
  }
}
