import { Injectable, Logger } from '@nestjs/common';
import { lockRow, PrismaService } from '@keyseed/database';
import { MailOutbox } from '@keyseed/mail';

/**
 * How long after a release its notices wait: the release minute belongs to the clients that were
 * waiting for it (docs/architecture.md, the release minute), whose key requests share PostgreSQL
 * with the notices' outbox rows; an e-mail a few minutes later tells the rest just as well.
 */
export const RELEASE_NOTICE_DELAY_MS = 5 * 60_000;

/** Outbox rows recorded, and jobs queued, per statement or call. */
const CHUNK = 1000;

export interface AnnounceReleasesResult {
  /** Premieres whose notices were recorded by this run. */
  bundles: number;
  /** Notices recorded by this run (one per pre-order license; a license told before is not told again). */
  notices: number;
}

/**
 * Tells a premiere's pre-order buyers that it is out (docs/architecture.md, premieres): for every
 * published bundle released at least RELEASE_NOTICE_DELAY_MS ago and not announced yet, one
 * `release-notice` e-mail per ACTIVE license bought before the release, recorded in the outbox
 * (key `release-notice:<licenseId>`) in the transaction that marks the bundle announced, then
 * queued. A release moved ahead again clears the mark (PremieresService), so the next release is
 * announced to the licenses not told yet.
 */
@Injectable()
export class AnnounceReleasesService {
  private readonly logger = new Logger('housekeeping');

  constructor(
    private readonly prisma: PrismaService,
    private readonly mail: MailOutbox,
  ) {}

  async run(now = new Date()): Promise<AnnounceReleasesResult> {
    const cutoff = new Date(now.getTime() - RELEASE_NOTICE_DELAY_MS);
    const due = await this.prisma.bundle.findMany({
      where: { releaseAnnouncedAt: null, releaseAt: { lte: cutoff }, status: { in: ['PUBLISHED', 'UNLISTED'] } },
      select: { id: true },
    });
    let notices = 0;
    let bundles = 0;
    for (const { id } of due) {
      const announced = await this.announce(id, cutoff, now);
      if (announced === null) continue;
      const { keys, recorded } = announced;
      bundles++;
      notices += recorded;
      for (let i = 0; i < keys.length; i += CHUNK) await this.mail.dispatch(keys.slice(i, i + CHUNK));
      this.logger.log({ event: 'premiere.announced', bundleId: id, notices: recorded });
    }
    return { bundles, notices };
  }

  /**
   * Records one bundle's notices and marks it announced: every notice's key, and how many were new;
   * null when it is no longer due (moved, taken down, or done by another worker).
   */
  private announce(bundleId: string, cutoff: Date, now: Date): Promise<{ keys: string[]; recorded: number } | null> {
    return this.prisma.$transaction(
      async (tx) => {
        await lockRow(tx, 'Bundle', bundleId);
        const bundle = await tx.bundle.findUniqueOrThrow({
          where: { id: bundleId },
          select: { title: true, slug: true, status: true, releaseAt: true, releaseAnnouncedAt: true },
        });
        const { releaseAt } = bundle;
        if (bundle.releaseAnnouncedAt || !releaseAt || releaseAt > cutoff) return null;
        if (bundle.status !== 'PUBLISHED' && bundle.status !== 'UNLISTED') return null;
        const keys: string[] = [];
        let recorded = 0;
        let after: string | undefined; // licenses are read CHUNK at a time, in id order
        for (;;) {
          const licenses = await tx.license.findMany({
            where: { bundleId, status: 'ACTIVE', createdAt: { lt: releaseAt }, ...(after && { id: { gt: after } }) },
            select: { id: true, buyer: { select: { email: true, displayName: true } } },
            orderBy: { id: 'asc' },
            take: CHUNK,
          });
          if (licenses.length === 0) break;
          after = licenses[licenses.length - 1].id;
          const rows = licenses.map((l) => ({
            key: `release-notice:${l.id}`,
            message: {
              kind: 'release-notice' as const,
              to: l.buyer.email,
              data: {
                buyerName: l.buyer.displayName,
                bundleTitle: bundle.title,
                bundleSlug: bundle.slug,
                releasedAt: releaseAt.toISOString(),
              },
            },
          }));
          recorded += await this.mail.recordMany(tx, rows);
          keys.push(...rows.map((r) => r.key));
        }
        await tx.bundle.update({ where: { id: bundleId }, data: { releaseAnnouncedAt: now } });
        return { keys, recorded };
      },
      { timeout: 60_000 },
    );
  }
}
