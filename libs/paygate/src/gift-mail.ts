import type { Order } from '@keyseed/database';
import type { MailOutbox } from '@keyseed/mail';
import { formatClaimCode } from './claim-codes';
import type { Tx } from './order-transitions.service';

/** The outbox key of a gift order's e-mail to its recipient (one per order: one gift per order). */
export function giftMailKey(orderId: string): string {
  return `gift:${orderId}`;
}

/** Where a gift is claimed: the web app's redeem page (the code also works with `keyseed redeem`). */
export function giftRedeemUrl(publicUrl: string, claimToken: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/redeem?code=${formatClaimCode(claimToken)}`;
}

/**
 * The recipient's e-mail of a gift that just became claimable, recorded in the transition's
 * transaction (docs/architecture.md, gifts and e-mail): the giver's name and note and the claim link.
 */
export async function recordGiftMail(tx: Tx, outbox: MailOutbox, order: Order, publicUrl: string): Promise<void> {
  const gift = await tx.gift.findUniqueOrThrow({
    where: { orderId: order.id },
    select: {
      recipientEmail: true,
      message: true,
      claimToken: true,
      order: { select: { buyer: { select: { displayName: true } }, bundle: { select: { title: true, slug: true } } } },
    },
  });
  await outbox.record(
    tx,
    {
      kind: 'gift',
      to: gift.recipientEmail,
      data: {
        bundleTitle: gift.order.bundle.title,
        bundleSlug: gift.order.bundle.slug,
        fromName: gift.order.buyer.displayName,
        message: gift.message || null,
        redeemUrl: giftRedeemUrl(publicUrl, gift.claimToken),
        expiresAt: null,
      },
    },
    giftMailKey(order.id),
  );
}
