import { Injectable } from '@nestjs/common';
import { PrismaService, type Prisma } from '@keyseed/database';
import { AdminOrderView } from './dtos/admin-order.view';
import { OrderQueryDto } from './dtos/order-query.dto';

/** The admin's order list (the admin page's refund buttons): newest first, by buyer e-mail, bundle and status. */
@Injectable()
export class OrderSearchService {
  constructor(private readonly prisma: PrismaService) {}

  async list(q: OrderQueryDto): Promise<AdminOrderView[]> {
    const contains = (text: string) => ({ contains: text, mode: 'insensitive' as const });
    const where: Prisma.OrderWhereInput = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.buyer?.trim() ? { buyer: { email: contains(q.buyer.trim()) } } : {}),
      ...(q.bundle?.trim()
        ? { bundle: { OR: [{ title: contains(q.bundle.trim()) }, { slug: contains(q.bundle.trim()) }] } }
        : {}),
    };
    const orders = await this.prisma.order.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (q.page - 1) * q.perPage,
      take: q.perPage,
      include: {
        buyer: { select: { id: true, email: true, displayName: true } },
        bundle: { select: { id: true, slug: true, title: true } },
        license: { select: { status: true } },
      },
    });
    return orders.map((o) => ({
      id: o.id,
      status: o.status,
      amount: o.amount,
      currency: o.currency,
      amountRefunded: o.amountRefunded,
      disputeStatus: o.disputeStatus,
      licenseStatus: o.license?.status ?? null,
      buyer: o.buyer,
      bundle: o.bundle,
      createdAt: o.createdAt,
      paidAt: o.paidAt,
      refundedAt: o.refundedAt,
    }));
  }
}
