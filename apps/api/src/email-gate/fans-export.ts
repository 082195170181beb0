import { Injectable, NotFoundException } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { csvLine, FANS_CSV_HEADER } from './fans-csv';

const BATCH = 1000;

/** The confirmed fans of a bundle as CSV lines, read in batches (keyset on confirmation time, id). */
@Injectable()
export class FansExport {
  constructor(private readonly prisma: PrismaService) {}

  async slugOf(bundleId: string): Promise<string> {
    const bundle = await this.prisma.bundle.findUnique({ where: { id: bundleId }, select: { slug: true } });
    if (!bundle) throw new NotFoundException(`bundle ${bundleId} not found`);
    return bundle.slug;
  }

  async *lines(bundleId: string): AsyncGenerator<string> {
    yield csvLine(FANS_CSV_HEADER);
    let after: { confirmedAt: Date; id: string } | null = null;
    for (;;) {
      const rows: { id: string; email: string; confirmedAt: Date | null; createdAt: Date; userId: string | null }[] =
        await this.prisma.fanSignup.findMany({
          where: {
            bundleId,
            confirmedAt: { not: null },
            ...(after
              ? {
                  OR: [
                    { confirmedAt: { gt: after.confirmedAt } },
                    { confirmedAt: after.confirmedAt, id: { gt: after.id } },
                  ],
                }
              : {}),
          },
          orderBy: [{ confirmedAt: 'asc' }, { id: 'asc' }],
          take: BATCH,
          select: { id: true, email: true, confirmedAt: true, createdAt: true, userId: true },
        });
      if (rows.length === 0) return;
      yield rows
        .map((r) =>
          csvLine([r.email, r.confirmedAt!.toISOString(), r.createdAt.toISOString(), r.userId ? 'yes' : 'no']),
        )
        .join('');
      const last = rows[rows.length - 1];
      after = { confirmedAt: last.confirmedAt!, id: last.id };
      if (rows.length < BATCH) return;
    }
  }
}
