import type { Order } from '@keyseed/database';
import type { MailOutbox } from '@keyseed/mail';
import type { Tx } from './order-transitions.service';

/** The outbox keys of an order's e-mails: one receipt, one sale notice, one refund notice at most. */
export function orderMailKeys(orderId: string): string[] {
  return [`purchase-receipt:${orderId}`, `sale-notice:${orderId}`, `refund-notice:${orderId}`];
}

/**
 * E-mails of an order's transition, recorded in the transition's transaction (docs/architecture.md,
 * e-mail): PAID → the buyer's receipt and the creator's sale notice (not for a payment that is being
 * refunded as superseded: its buyer gets the refund notice instead); REFUNDED → the refund notice.
 * Keys make a replayed transition record nothing new.
 */
export async function recordOrderMail(tx: Tx, outbox: MailOutbox, before: Order, after: Order): Promise<void> {
  const paid = before.status !== 'PAID' && after.status === 'PAID';
  const refunded = before.status !== 'REFUNDED' && after.status === 'REFUNDED' && after.paidAt !== null;
  if (!paid && !refunded) return;
  const facts = await tx.order.findUniqueOrThrow({
    where: { id: after.id },
    select: {
      supersededAt: true,
      buyer: { select: { email: true, displayName: true } },
      bundle: {
        select: {
          title: true,
          slug: true,
          releaseAt: true,
          platformSellerOfRecord: true,
          creator: { select: { email: true, displayName: true } },
        },
      },
    },
  });
  const { buyer, bundle } = facts;
  const [receiptKey, saleKey, refundKey] = orderMailKeys(after.id);
  if (paid && !facts.supersededAt) {
    const paidAt = after.paidAt ?? new Date();
    // Paid before a premiere's release: a pre-order, whose receipt says when its keys come.
    const preOrder = bundle.releaseAt !== null && bundle.releaseAt > paidAt;
    await outbox.record(
      tx,
      {
        kind: 'purchase-receipt',
        to: buyer.email,
        data: {
          orderId: after.id,
          buyerName: buyer.displayName,
          bundleTitle: bundle.title,
          bundleSlug: bundle.slug,
          amount: after.amount,
          currency: after.currency,
          paidAt: paidAt.toISOString(),
          ...(preOrder && { releaseAt: bundle.releaseAt!.toISOString() }),
        },
      },
      receiptKey,
    );
    await outbox.record(
      tx,
      {
        kind: 'sale-notice',
        to: bundle.creator.email,
        data: {
          orderId: after.id,
          creatorName: bundle.creator.displayName,
          bundleTitle: bundle.title,
          bundleSlug: bundle.slug,
          gross: after.amount,
          fee: after.applicationFeeAmount,
          net: after.amount - after.applicationFeeAmount,
          currency: after.currency,
          platformSellerOfRecord: after.transferDestination === null,
        },
      },
      saleKey,
    );
  }
  if (refunded)
    await outbox.record(
      tx,
      {
        kind: 'refund-notice',
        to: buyer.email,
        data: {
          orderId: after.id,
          buyerName: buyer.displayName,
          bundleTitle: bundle.title,
          bundleSlug: bundle.slug,
          amountRefunded: after.amountRefunded || after.amount,
          currency: after.currency,
          automatic: facts.supersededAt !== null,
        },
      },
      refundKey,
    );
}
