import {
  BadRequestException,
  ConflictException,
  GoneException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { lockRow, PrismaService } from '@keyseed/database';
import { MailOutbox } from '@keyseed/mail';
import { lockBuyerBundle } from '@keyseed/paygate';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { EmailGateView, GateConfirmView, GateSignupView, SetEmailGateDto } from './dtos/email-gate.dtos';

/** A second e-mail to the same address for the same bundle waits this long (mail bombing). */
const RESEND_AFTER_MS = 60_000;
const VISIBLE = ['PUBLISHED', 'UNLISTED'];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The email gate (docs/architecture.md, email gate): a creator unlocks a bundle, or some of its
 * locked items, for anyone who gives and confirms an e-mail address. A sign-up sends a double
 * opt-in link (random token, only its SHA-256 stored, expiring after EMAIL_GATE_LINK_HOURS); opening
 * it and confirming records the fan, and when the caller is logged in grants one zero-amount license
 * (source EMAIL_GATE) to their account, which delivers keys for the gated items only.
 */
@Injectable()
export class EmailGateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly mail: MailOutbox,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  /** The gate of a published bundle for anyone; of any bundle for its creator and admins (with the fan count). */
  async view(bundleId: string, caller: AuthenticatedUser | undefined): Promise<EmailGateView> {
    const bundle = await this.prisma.bundle.findUnique({
      where: { id: bundleId },
      select: { creatorId: true, status: true },
    });
    const privileged = !!caller && (caller.id === bundle?.creatorId || caller.roles.includes('ADMIN'));
    if (!bundle || (!privileged && !VISIBLE.includes(bundle.status)))
      throw new NotFoundException(`bundle ${bundleId} not found`);
    return this.gateOf(bundleId, privileged);
  }

  /** Turns the gate on (for every locked item, or the listed ones) or off. Creator of the bundle or admin. */
  async set(bundleId: string, dto: SetEmailGateDto): Promise<EmailGateView> {
    if (!dto.enabled && dto.itemIds !== undefined)
      throw new BadRequestException('itemIds are for enabled: true (enabled: false ungates every item)');
    await this.prisma.$transaction(async (tx) => {
      if (!(await lockRow(tx, 'Bundle', bundleId))) throw new NotFoundException(`bundle ${bundleId} not found`);
      const bundle = await tx.bundle.findUniqueOrThrow({ where: { id: bundleId }, select: { status: true } });
      if (bundle.status === 'TAKEN_DOWN')
        throw new ConflictException(`bundle ${bundleId} is taken down: its email gate cannot change`);
      const items = await tx.item.findMany({ where: { bundleId }, select: { id: true, locked: true } });
      let gated: string[] = [];
      if (dto.enabled) {
        gated = dto.itemIds ?? items.filter((i) => i.locked).map((i) => i.id);
        for (const id of gated) {
          const item = items.find((i) => i.id === id);
          if (!item) throw new BadRequestException(`item ${id} is not part of bundle ${bundleId}`);
          if (!item.locked)
            throw new BadRequestException(
              `item ${id} is not locked: everyone can already use it, there is nothing to gate`,
            );
        }
        if (gated.length === 0)
          throw new BadRequestException(`bundle ${bundleId} has no locked item: there is nothing to gate`);
      }
      await tx.item.updateMany({ where: { bundleId, id: { in: gated } }, data: { emailGated: true } });
      await tx.item.updateMany({ where: { bundleId, id: { notIn: gated } }, data: { emailGated: false } });
    });
    return this.gateOf(bundleId, true);
  }

  /**
   * Sends a confirmation link to `email` for the bundle. The answer is the same whether the address
   * signed up before or not; a repeat within a minute sends nothing new (the earlier link still works).
   */
  async signup(bundleId: string, email: string): Promise<GateSignupView> {
    const address = email.trim().toLowerCase();
    const bundle = await this.prisma.bundle.findUnique({
      where: { id: bundleId },
      select: {
        status: true,
        title: true,
        slug: true,
        creator: { select: { displayName: true } },
        _count: { select: { items: { where: { emailGated: true, locked: true } } } },
      },
    });
    if (!bundle || !VISIBLE.includes(bundle.status)) throw new NotFoundException(`bundle ${bundleId} not found`);
    if (bundle._count.items === 0)
      throw new ConflictException(
        `bundle ${bundle.slug} is not email-gated: it cannot be unlocked with an e-mail address`,
      );
    const token = randomBytes(32).toString('base64url');
    const tokenHash = sha256(token);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.EMAIL_GATE_LINK_HOURS * 3_600_000);
    const base = this.config.PUBLIC_URL.replace(/\/+$/, '');
    const outcome = await this.prisma.$transaction(async (tx) => {
      // The first sign-up of an address creates the row; a racing second one finds it (unique bundle+email).
      await tx.fanSignup.createMany({
        data: [{ bundleId, email: address, tokenHash, tokenExpiresAt: expiresAt, lastSentAt: new Date(0) }],
        skipDuplicates: true,
      });
      const row = await tx.fanSignup.findUniqueOrThrow({ where: { bundleId_email: { bundleId, email: address } } });
      await lockRow(tx, 'FanSignup', row.id);
      const current = await tx.fanSignup.findUniqueOrThrow({ where: { id: row.id } });
      if (now.getTime() - current.lastSentAt.getTime() < RESEND_AFTER_MS)
        return { key: null, expiresAt: current.tokenExpiresAt };
      await tx.fanSignup.update({
        where: { id: row.id },
        data: { tokenHash, tokenExpiresAt: expiresAt, lastSentAt: now },
      });
      const key = `email-gate-confirm:${row.id}:${tokenHash.slice(0, 16)}`;
      await this.mail.record(
        tx,
        {
          kind: 'email-gate-confirm',
          to: address,
          data: {
            bundleTitle: bundle.title,
            bundleSlug: bundle.slug,
            creatorName: bundle.creator.displayName,
            confirmUrl: `${base}/b/${encodeURIComponent(bundle.slug)}?gate=${token}`,
            expiresAt: expiresAt.toISOString(),
          },
        },
        key,
      );
      return { key, expiresAt };
    });
    if (outcome.key) await this.mail.dispatch([outcome.key]);
    return { status: 'sent', expiresAt: outcome.expiresAt };
  }

  /**
   * Confirms the address of the link's token (once; later confirmations change nothing) and, for a
   * logged-in caller, claims the unlock into their account: the license they already hold for the
   * bundle, or one new zero-amount EMAIL_GATE license. One sign-up gives at most one license, however
   * often or concurrently it is confirmed.
   */
  async confirm(token: string, caller: AuthenticatedUser | undefined): Promise<GateConfirmView> {
    const signup = await this.prisma.fanSignup.findUnique({
      where: { tokenHash: sha256(token) },
      include: { bundle: { select: { id: true, slug: true, title: true, status: true, priceCurrency: true } } },
    });
    if (!signup)
      throw new NotFoundException(
        'this confirmation link is not valid: it may have been replaced by a newer one (use the latest e-mail)',
      );
    const { bundle } = signup;
    if (signup.tokenExpiresAt.getTime() < Date.now())
      throw new GoneException(
        `this confirmation link expired at ${signup.tokenExpiresAt.toISOString()}: ask for a new one on the bundle's page`,
      );
    if (!VISIBLE.includes(bundle.status)) throw new NotFoundException(`bundle ${bundle.id} is not available`);
    const gated = await this.prisma.item.count({ where: { bundleId: bundle.id, emailGated: true, locked: true } });
    if (gated === 0) throw new ConflictException(`bundle ${bundle.slug} is no longer email-gated`);

    const licenseId = await this.prisma.$transaction(
      async (tx) => {
        await lockRow(tx, 'FanSignup', signup.id);
        const row = await tx.fanSignup.findUniqueOrThrow({ where: { id: signup.id } });
        if (!row.confirmedAt) await tx.fanSignup.update({ where: { id: row.id }, data: { confirmedAt: new Date() } });
        if (!caller) return null;
        if (row.userId) {
          if (row.userId !== caller.id)
            throw new ConflictException(
              `${row.email} already unlocked ${bundle.slug} for another account: log in to that account`,
            );
          return row.licenseId;
        }
        await lockBuyerBundle(tx, caller.id, bundle.id);
        const held = await tx.license.findFirst({
          where: { buyerId: caller.id, bundleId: bundle.id, status: 'ACTIVE' },
          orderBy: { createdAt: 'asc' },
          select: { id: true },
        });
        let id = held?.id;
        if (!id) {
          // A zero-amount order, PAID (the license's facts) with no paidAt: no payment happened, so it
          // is never counted in sales or earnings.
          const order = await tx.order.create({
            data: {
              bundleId: bundle.id,
              buyerId: caller.id,
              amount: 0,
              currency: bundle.priceCurrency ?? 'usd',
              status: 'PAID',
            },
          });
          id = (
            await tx.license.create({
              data: { orderId: order.id, bundleId: bundle.id, buyerId: caller.id, source: 'EMAIL_GATE' },
            })
          ).id;
        }
        await tx.fanSignup.update({ where: { id: row.id }, data: { userId: caller.id, licenseId: id } });
        return id;
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
    return { bundleId: bundle.id, bundleSlug: bundle.slug, bundleTitle: bundle.title, email: signup.email, licenseId };
  }

  private async gateOf(bundleId: string, privileged: boolean): Promise<EmailGateView> {
    const items = await this.prisma.item.findMany({
      where: { bundleId, locked: true },
      orderBy: { position: 'asc' },
      select: { id: true, emailGated: true },
    });
    const itemIds = items.filter((i) => i.emailGated).map((i) => i.id);
    return {
      bundleId,
      enabled: itemIds.length > 0,
      wholeBundle: itemIds.length > 0 && itemIds.length === items.length,
      itemIds,
      confirmedFans: privileged
        ? await this.prisma.fanSignup.count({ where: { bundleId, confirmedAt: { not: null } } })
        : null,
    };
  }
}
