import { Injectable, NotFoundException } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { CurrencySalesView, SalesReportView } from './dtos/sales.responses';

/** Per-bundle sales: orders that were paid (paidAt set; redeemed codes are not sales), gross and refunds per currency. */
@Injectable()
export class SalesReportService {
  constructor(private readonly prisma: PrismaService) {}

  async report(bundleId: string): Promise<SalesReportView> {
    const bundle = await this.prisma.bundle.findUnique({ where: { id: bundleId }, select: { id: true } });
    if (!bundle) throw new NotFoundException(`bundle ${bundleId} not found`);
    const [paid, refunds, activeLicenses] = await Promise.all([
      this.prisma.order.groupBy({
        by: ['currency'],
        where: { bundleId, paidAt: { not: null }, source: { not: 'REDEEM' } },
        _count: { _all: true },
        _sum: { amount: true },
      }),
      this.prisma.order.groupBy({
        by: ['currency'],
        where: { bundleId, amountRefunded: { gt: 0 } },
        _count: { _all: true },
        _sum: { amountRefunded: true },
      }),
      this.prisma.license.count({ where: { bundleId, status: 'ACTIVE' } }),
    ]);
    const currencies = [...new Set([...paid.map((p) => p.currency), ...refunds.map((r) => r.currency)])].sort();
    const byCurrency: CurrencySalesView[] = currencies.map((currency) => {
      const p = paid.find((x) => x.currency === currency);
      const r = refunds.find((x) => x.currency === currency);
      const gross = p?._sum.amount ?? 0;
      const refunded = r?._sum.amountRefunded ?? 0;
      return {
        currency,
        paidCount: p?._count._all ?? 0,
        gross,
        refundCount: r?._count._all ?? 0,
        refunded,
        net: gross - refunded,
      };
    });
    return {
      bundleId,
      paidCount: byCurrency.reduce((n, c) => n + c.paidCount, 0),
      refundCount: byCurrency.reduce((n, c) => n + c.refundCount, 0),
      activeLicenses,
      byCurrency,
    };
  }
}
