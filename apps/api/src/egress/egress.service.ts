import { BadRequestException, Injectable } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { utcDay } from '@keyseed/egress/egress-recorder';
import { EgressView } from './dtos/egress.dtos';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
/** At the default 5-minute sampling, a month of samples. */
const MAX_SAMPLES = 10_000;

@Injectable()
export class EgressService {
  constructor(private readonly prisma: PrismaService) {}

  /** Origin bytes per day and swarm samples of one bundle over [from, to] (UTC days). */
  async ofBundle(bundleId: string, fromDay?: string, toDay?: string): Promise<EgressView> {
    const to = parseDay(toDay ?? utcDay(new Date()), 'to');
    const from = fromDay ? parseDay(fromDay, 'from') : new Date(to.getTime() - 29 * DAY_MS);
    if (from > to) throw new BadRequestException('from must not be after to');
    if ((to.getTime() - from.getTime()) / DAY_MS >= MAX_DAYS)
      throw new BadRequestException(`at most ${MAX_DAYS} days per request`);
    const [rows, samples] = await Promise.all([
      this.prisma.bundleEgress.findMany({
        where: { bundleId, day: { gte: from, lte: to } },
        orderBy: { day: 'asc' },
      }),
      this.prisma.swarmSample.findMany({
        where: { bundleId, at: { gte: from, lt: new Date(to.getTime() + DAY_MS) } },
        orderBy: { at: 'asc' },
        take: MAX_SAMPLES,
        select: { at: true, seeders: true, leechers: true, completed: true },
      }),
    ]);
    const days = new Map<string, { day: string; webseedBytes: number; seedBytes: number }>();
    let originBytes = 0;
    for (const r of rows) {
      const day = utcDay(r.day);
      const entry = days.get(day) ?? { day, webseedBytes: 0, seedBytes: 0 };
      const bytes = Number(r.bytes);
      if (r.source === 'WEBSEED') entry.webseedBytes += bytes;
      else entry.seedBytes += bytes;
      originBytes += bytes;
      days.set(day, entry);
    }
    return { bundleId, from: utcDay(from), to: utcDay(to), originBytes, days: [...days.values()], swarm: samples };
  }
}

function parseDay(day: string, field: string): Date {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || utcDay(d) !== day) throw new BadRequestException(`${field} is not a calendar date`);
  return d;
}
