import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PayoutAccount, PrismaService } from '@keyseed/database';
import { percentToBps, platformFee } from './price-rules';
import { STRIPE } from './stripe-client';

/** Who is paid for a sale: the creator's connected account with the platform's fee, or the platform alone. */
export type Payee = { destination: string; applicationFee: number; feeBps: number } | { destination: null };

/** The bundle is not for sale because its creator cannot be paid yet (and the platform is not the seller). */
export class NotPayableError extends Error {}

/**
 * Creators' Stripe Connect Express accounts as Stripe reports them (`account.updated`, or a re-read
 * when the creator asks), and who a sale pays: destination charges to a creator whose account can
 * take charges, with the platform's fee (PLATFORM_FEE_PERCENT or the creator's override).
 */
@Injectable()
export class ConnectAccounts {
  private readonly logger = new Logger('paygate');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  /** Re-reads the account from Stripe and records it; null when it is not a Keyseed creator's. */
  async sync(stripeAccountId: string): Promise<PayoutAccount | null> {
    const account = await this.stripe.accounts.retrieve(stripeAccountId);
    return this.record(account);
  }

  async record(account: Stripe.Account): Promise<PayoutAccount | null> {
    const data = {
      chargesEnabled: account.charges_enabled,
      payoutsEnabled: account.payouts_enabled,
      detailsSubmitted: account.details_submitted,
      requirementsDue: account.requirements?.currently_due ?? [],
    };
    const updated = await this.prisma.payoutAccount.updateMany({ where: { stripeAccountId: account.id }, data });
    if (updated.count === 0) return null;
    this.logger.log({ event: 'paygate.payout_account', stripeAccountId: account.id, ...data });
    return this.prisma.payoutAccount.findUnique({ where: { stripeAccountId: account.id } });
  }

  /** The creator's fee in basis points: their override, else PLATFORM_FEE_PERCENT. */
  feeBps(creator: { platformFeeBps: number | null }): number {
    return creator.platformFeeBps ?? percentToBps(this.config.PLATFORM_FEE_PERCENT);
  }

  /** Who a sale of `amount` of this bundle pays; throws NotPayableError when nobody can be. */
  async payee(bundle: { creatorId: string; platformSellerOfRecord: boolean }, amount: number): Promise<Payee> {
    if (bundle.platformSellerOfRecord) return { destination: null };
    const creator = await this.prisma.user.findUniqueOrThrow({
      where: { id: bundle.creatorId },
      select: { platformFeeBps: true, payoutAccount: true },
    });
    if (!creator.payoutAccount?.chargesEnabled)
      throw new NotPayableError(
        creator.payoutAccount
          ? `its creator's payout account still has requirements due (${creator.payoutAccount.requirementsDue.join(', ') || 'pending review'})`
          : 'its creator has not connected a payout account yet',
      );
    const feeBps = this.feeBps(creator);
    return { destination: creator.payoutAccount.stripeAccountId, applicationFee: platformFee(amount, feeBps), feeBps };
  }
}
