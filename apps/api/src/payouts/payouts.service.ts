import { BadGatewayException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import Stripe from 'stripe';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PayoutAccount, Prisma, PrismaService } from '@keyseed/database';
import { ConnectAccounts, STRIPE } from '@keyseed/paygate';
import { EarningsRowView, LinkView, OnboardingView, PayoutAccountView } from './dtos/payouts.responses';

interface EarningsRow {
  key: string;
  title: string | null;
  currency: string;
  sales: number;
  gross: bigint;
  fee: bigint;
  feeRefunded: bigint;
  refunded: bigint;
  disputes: number;
}

/** Sums per group: fees are refunded in proportion to the refund (Stripe's refund_application_fee). */
const AGGREGATES = Prisma.sql`
  count(*)::int AS sales,
  sum(o.amount)::bigint AS gross,
  sum(o."applicationFeeAmount")::bigint AS fee,
  sum(o."feeRefunded")::bigint AS "feeRefunded",
  sum(o."amountRefunded")::bigint AS refunded,
  count(o."stripeDisputeId")::int AS disputes`;

/**
 * Creators get paid through Stripe Connect Express: an account created once per creator, Stripe's
 * hosted onboarding, the Express dashboard, and earnings from the platform's own order records.
 */
@Injectable()
export class PayoutsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly connect: ConnectAccounts,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  /** Creates the creator's Express account on first call, then a fresh onboarding link. */
  async startOnboarding(creator: { id: string; email: string }): Promise<OnboardingView> {
    const account = (await this.existing(creator.id)) ?? (await this.createAccount(creator));
    const base = this.config.PUBLIC_URL.replace(/\/$/, '');
    const link = await this.stripeCall(() =>
      this.stripe.accountLinks.create({
        account: account.stripeAccountId,
        type: 'account_onboarding',
        refresh_url: `${base}/v1/payouts/onboarding?expired=1`,
        return_url: `${base}/v1/payouts/onboarding`,
      }),
    );
    return { ...(await this.view(creator.id, account)), onboardingUrl: link.url };
  }

  /** The account as Stripe reports it now (a lost account.updated webhook is caught up here). */
  async status(creatorId: string): Promise<PayoutAccountView> {
    const account = await this.existing(creatorId);
    const synced = account
      ? ((await this.stripeCall(() => this.connect.sync(account.stripeAccountId))) ?? account)
      : null;
    return this.view(creatorId, synced);
  }

  async dashboardLink(creatorId: string): Promise<LinkView> {
    const account = await this.existing(creatorId);
    if (!account) throw new NotFoundException('no payout account yet: POST /v1/payouts/account to connect one');
    if (!account.detailsSubmitted)
      throw new ConflictException('finish onboarding first: POST /v1/payouts/account gives a new onboarding link');
    const link = await this.stripeCall(() => this.stripe.accounts.createLoginLink(account.stripeAccountId));
    return { url: link.url };
  }

  /** Gross, fee, refunds and net of the creator's sales (paid orders; redeemed codes are not sales), per bundle or per month and currency. */
  async earnings(creatorId: string, by: 'bundle' | 'month'): Promise<EarningsRowView[]> {
    const rows =
      by === 'bundle'
        ? await this.prisma.$queryRaw<EarningsRow[]>`
            SELECT b.id::text AS key, b.title, o.currency, ${AGGREGATES}
            FROM "Order" o JOIN "Bundle" b ON b.id = o."bundleId"
            WHERE b."creatorId" = ${creatorId}::uuid AND o."paidAt" IS NOT NULL AND o.source <> 'REDEEM'
            GROUP BY b.id, b.title, o.currency ORDER BY b.title, o.currency`
        : await this.prisma.$queryRaw<EarningsRow[]>`
            SELECT to_char(date_trunc('month', o."paidAt" AT TIME ZONE 'UTC'), 'YYYY-MM') AS key, NULL AS title,
                   o.currency, ${AGGREGATES}
            FROM "Order" o JOIN "Bundle" b ON b.id = o."bundleId"
            WHERE b."creatorId" = ${creatorId}::uuid AND o."paidAt" IS NOT NULL AND o.source <> 'REDEEM'
            GROUP BY 1, o.currency ORDER BY 1 DESC, o.currency`;
    return rows.map((r) => {
      const gross = Number(r.gross);
      const refunded = Number(r.refunded);
      const fee = Number(r.fee) - Number(r.feeRefunded);
      return {
        bundleId: by === 'bundle' ? r.key : null,
        title: r.title,
        month: by === 'month' ? r.key : null,
        currency: r.currency,
        sales: r.sales,
        gross,
        fee,
        refunded,
        net: gross - refunded - fee,
        disputes: r.disputes,
      };
    });
  }

  private existing(creatorId: string): Promise<PayoutAccount | null> {
    return this.prisma.payoutAccount.findUnique({ where: { creatorId } });
  }

  private async createAccount(creator: { id: string; email: string }): Promise<PayoutAccount> {
    // The idempotency key makes two concurrent first clicks one Stripe account.
    const account = await this.stripeCall(() =>
      this.stripe.accounts.create(
        { type: 'express', email: creator.email, metadata: { creatorId: creator.id } },
        { idempotencyKey: `connect-account-${creator.id}` },
      ),
    );
    return this.prisma.payoutAccount.upsert({
      where: { creatorId: creator.id },
      create: {
        creatorId: creator.id,
        stripeAccountId: account.id,
        chargesEnabled: account.charges_enabled,
        payoutsEnabled: account.payouts_enabled,
        detailsSubmitted: account.details_submitted,
        requirementsDue: account.requirements?.currently_due ?? [],
      },
      update: {},
    });
  }

  private async view(creatorId: string, account: PayoutAccount | null): Promise<PayoutAccountView> {
    const creator = await this.prisma.user.findUniqueOrThrow({
      where: { id: creatorId },
      select: { platformFeeBps: true },
    });
    return {
      connected: account !== null,
      stripeAccountId: account?.stripeAccountId ?? null,
      chargesEnabled: account?.chargesEnabled ?? false,
      payoutsEnabled: account?.payoutsEnabled ?? false,
      detailsSubmitted: account?.detailsSubmitted ?? false,
      requirementsDue: account?.requirementsDue ?? [],
      payable: account?.chargesEnabled ?? false,
      feePercent: this.connect.feeBps(creator) / 100,
    };
  }

  private async stripeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError)
        throw new ConflictException(`Stripe refused: ${err.message}`);
      if (err instanceof Stripe.errors.StripeError)
        throw new BadGatewayException(`Stripe could not be reached: ${err.message}`);
      throw err;
    }
  }
}
