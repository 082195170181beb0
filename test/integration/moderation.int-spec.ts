import { ConflictException, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { KeyseedConfig } from '@keyseed/config';
import Stripe from 'stripe';
import { BundleStatus, PrismaService } from '@keyseed/database';
import { MailOutbox } from '@keyseed/mail';
import { TrackerWhitelist } from '@keyseed/opentracker';
import { DiscountUses, OpenCheckouts, OrderTransitions } from '@keyseed/paygate';
import type { JobQueues } from '@keyseed/queues';
import { ModerationService, statusAfterRestore } from '../../apps/api/src/admin/moderation.service';
import { AuditService } from '../../apps/api/src/audit/audit.service';

describe('ModerationService (takedown and restore)', () => {
  const prisma = new PrismaService({ DATABASE_URL: process.env.DATABASE_URL! } as KeyseedConfig);
  // These bundles have no orders, so closing their checkouts never reaches Stripe nor sends e-mail.
  const stripe = new Stripe('sk_test_unused');
  const mail = new MailOutbox(prisma, {} as JobQueues);
  const discounts = new DiscountUses(prisma);
  const openCheckouts = new OpenCheckouts(
    prisma,
    new OrderTransitions(prisma, stripe, discounts, mail, { PUBLIC_URL: 'http://127.0.0.1' }),
    discounts,
    stripe,
  );
  // No whitelist file here: the change notice is all it would send (test/interop/opentracker covers it).
  const whitelist = new TrackerWhitelist(prisma, { REDIS_PREFIX: 'unused' } as KeyseedConfig);
  const moderation = new ModerationService(prisma, new AuditService(prisma), openCheckouts, whitelist);
  let creatorId: string;
  let adminId: string;

  beforeAll(async () => {
    const user = (role: 'CREATOR' | 'ADMIN') =>
      prisma.user.create({
        data: { email: `mod-${randomUUID()}@example.test`, passwordHash: 'unused', displayName: role, roles: [role] },
      });
    creatorId = (await user('CREATOR')).id;
    adminId = (await user('ADMIN')).id;
  });
  afterAll(() => prisma.$disconnect());

  const bundleIn = (status: BundleStatus, published = status !== 'DRAFT') =>
    prisma.bundle.create({
      data: {
        slug: `mod-${randomUUID()}`,
        title: 'Moderated',
        creatorId,
        status,
        infoHashV1: published ? randomUUID().replace(/-/g, '').padEnd(40, '0') : null,
      },
    });

  it.each<[BundleStatus, BundleStatus]>([
    ['PUBLISHED', 'PUBLISHED'],
    ['UNLISTED', 'UNLISTED'],
    ['DRAFT', 'DRAFT'],
    ['PUBLISHING', 'DRAFT'],
  ])('a %s bundle taken down and restored is %s again', async (from, expected) => {
    const bundle = await bundleIn(from);
    const down = await moderation.takedown(adminId, bundle.id, 'DMCA notice 7');
    expect(down).toMatchObject({ status: 'TAKEN_DOWN', takedownReason: 'DMCA notice 7', statusBeforeTakedown: from });

    const restored = await moderation.restore(adminId, bundle.id);
    expect(restored).toMatchObject({ status: expected, takedownReason: null, statusBeforeTakedown: null });
  });

  it('restores from the status kept on the bundle, not from the audit log', async () => {
    const bundle = await bundleIn('UNLISTED');
    await moderation.takedown(adminId, bundle.id, 'first notice');
    await prisma.auditLog.deleteMany({ where: { targetType: 'bundle', targetId: bundle.id } });
    expect((await moderation.restore(adminId, bundle.id)).status).toBe('UNLISTED');
  });

  it('records both actions in the audit log with the admin, the reason and the statuses', async () => {
    const bundle = await bundleIn('PUBLISHED');
    await moderation.takedown(adminId, bundle.id, 'court order 12');
    await moderation.restore(adminId, bundle.id);
    const entries = await prisma.auditLog.findMany({
      where: { targetType: 'bundle', targetId: bundle.id },
      orderBy: { createdAt: 'asc' },
    });
    expect(entries.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ['bundle.takedown', adminId, { reason: 'court order 12', previousStatus: 'PUBLISHED' }],
      ['bundle.restore', adminId, { status: 'PUBLISHED', reason: 'court order 12' }],
    ]);
  });

  it('refuses a second takedown and a restore of a bundle that is not taken down (409), and unknown ids (404)', async () => {
    const bundle = await bundleIn('PUBLISHED');
    await expect(moderation.restore(adminId, bundle.id)).rejects.toThrow(ConflictException);
    await moderation.takedown(adminId, bundle.id, 'notice');
    await expect(moderation.takedown(adminId, bundle.id, 'again')).rejects.toThrow(ConflictException);
    await expect(moderation.takedown(adminId, randomUUID(), 'notice')).rejects.toThrow(NotFoundException);
    await expect(moderation.restore(adminId, randomUUID())).rejects.toThrow(NotFoundException);
  });

  it('concurrent takedowns of one bundle: exactly one succeeds', async () => {
    const bundle = await bundleIn('PUBLISHED');
    const results = await Promise.allSettled([1, 2, 3].map((n) => moderation.takedown(adminId, bundle.id, `n${n}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await prisma.bundle.findUniqueOrThrow({ where: { id: bundle.id } })).statusBeforeTakedown).toBe(
      'PUBLISHED',
    );
  });

  it('without a recorded status (taken down before it was kept), a published bundle comes back PUBLISHED, else DRAFT', () => {
    expect(statusAfterRestore({ statusBeforeTakedown: null, infoHashV1: 'a'.repeat(40) })).toBe('PUBLISHED');
    expect(statusAfterRestore({ statusBeforeTakedown: null, infoHashV1: null })).toBe('DRAFT');
  });
});
