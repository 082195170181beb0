import { BadGatewayException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import Stripe from 'stripe';
import { PrismaService } from '@keyseed/database';
import { OrderTransitions, refundConnectOptions, STRIPE } from '@keyseed/paygate';
import { AuditService } from '../audit/audit.service';
import { RefundOrderDto, RefundView } from './dtos/refund-order.dto';

/**
 * Admin refunds: a full Stripe refund (destination charges also reverse the creator's transfer and
 * refund the platform's fee) (idempotency key `refund-<orderId>`, so a double click is one
 * refund). The charge is then re-read and applied at once (order REFUNDED, license REVOKED) in the
 * same transaction as the audit entry; the `charge.refunded` webhook that follows changes nothing.
 */
@Injectable()
export class OrderRefundsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly transitions: OrderTransitions,
    private readonly audit: AuditService,
    @Inject(STRIPE) private readonly stripe: Stripe,
  ) {}

  async refund(adminId: string, orderId: string, dto: RefundOrderDto): Promise<RefundView> {
    const order = await this.prisma.order.findUnique({ where: { id: orderId } });
    if (!order) throw new NotFoundException(`order ${orderId} not found`);
    if (order.status !== 'PAID' && order.status !== 'REFUNDED')
      throw new ConflictException(`order ${orderId} is ${order.status}: only paid orders can be refunded`);
    if (!order.stripePaymentIntentId)
      throw new ConflictException(`order ${orderId} has no Stripe payment recorded; run reconciliation first`);
    let refund: Stripe.Refund;
    try {
      refund = await this.stripe.refunds.create(
        {
          payment_intent: order.stripePaymentIntentId,
          reason: dto.reason ?? 'requested_by_customer',
          metadata: { orderId, adminId },
          ...refundConnectOptions(order),
        },
        { idempotencyKey: `refund-${orderId}` },
      );
    } catch (err) {
      const e = err as Stripe.errors.StripeError;
      if (e.type === 'StripeInvalidRequestError')
        throw new ConflictException(`Stripe refused the refund: ${e.message}`);
      throw new BadGatewayException(`Stripe could not be reached for the refund: ${e.message}`);
    }
    const charge = refund.charge
      ? await this.transitions.retrieveCharge(typeof refund.charge === 'string' ? refund.charge : refund.charge.id)
      : null;
    await this.transitions.commit(orderId, async (tx, locked) => {
      const effect = charge ? await this.transitions.applyCharge(tx, locked, charge) : 'refund pending in Stripe';
      await this.audit.record(
        {
          actorId: adminId,
          action: 'order.refund',
          targetType: 'order',
          targetId: orderId,
          details: {
            refundId: refund.id,
            refundStatus: refund.status,
            amount: refund.amount,
            currency: refund.currency,
            reason: dto.reason ?? 'requested_by_customer',
            note: dto.note ?? null,
            effect,
          },
        },
        tx,
      );
      return effect;
    });
    const after = await this.prisma.order.findUniqueOrThrow({
      where: { id: orderId },
      include: { license: { select: { status: true } } },
    });
    return {
      orderId,
      refundId: refund.id,
      refundStatus: refund.status ?? 'unknown',
      orderStatus: after.status,
      licenseStatus: after.license?.status ?? null,
    };
  }
}
