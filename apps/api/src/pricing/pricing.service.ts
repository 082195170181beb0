import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Bundle, lockRow, PrismaService } from '@keyseed/database';
import { OpenCheckouts, Price, PriceError, validatePrice } from '@keyseed/paygate';
import { AuditService } from '../audit/audit.service';
import { PriceChangeView, PriceView } from './dtos/price.responses';
import { SetPriceDto } from './dtos/set-price.dto';

/** Admin pricing (docs/architecture.md, prices): the current price on the bundle, every change kept in PriceChange. */
@Injectable()
export class PricingService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly openCheckouts: OpenCheckouts,
  ) {}

  setPrice(adminId: string, bundleId: string, dto: SetPriceDto): Promise<PriceView> {
    let price: Price;
    try {
      price = validatePrice(dto);
    } catch (err) {
      if (err instanceof PriceError) throw new BadRequestException(err.message);
      throw err;
    }
    return this.change(adminId, bundleId, price, 'bundle.price.set');
  }

  takeOffSale(adminId: string, bundleId: string): Promise<PriceView> {
    return this.change(adminId, bundleId, null, 'bundle.price.remove');
  }

  /** Who sells: the platform in its own name, or (default) the creator through Stripe Connect. */
  async setSellerOfRecord(adminId: string, bundleId: string, platform: boolean): Promise<PriceView> {
    const view = await this.prisma.$transaction(async (tx) => {
      const before = await tx.bundle.findUnique({ where: { id: bundleId } });
      if (!before) throw new NotFoundException(`bundle ${bundleId} not found`);
      const after = await tx.bundle.update({ where: { id: bundleId }, data: { platformSellerOfRecord: platform } });
      await this.audit.record(
        {
          actorId: adminId,
          action: 'bundle.seller_of_record',
          targetType: 'bundle',
          targetId: bundleId,
          details: { before: before.platformSellerOfRecord, after: platform },
        },
        tx,
      );
      return priceView(after);
    });
    // Open sessions were made for the other payee.
    await this.openCheckouts.closeForBundle(bundleId, 'seller of record changed');
    return view;
  }

  async history(bundleId: string): Promise<PriceChangeView[]> {
    await this.bundleOrThrow(bundleId);
    const changes = await this.prisma.priceChange.findMany({
      where: { bundleId },
      orderBy: { createdAt: 'desc' },
      include: { admin: { select: { email: true } } },
    });
    return changes.map(({ admin, bundleId: _, ...c }) => ({ ...c, adminEmail: admin.email }));
  }

  /**
   * Price, history row and audit entry land in one transaction; the bundle row is locked. Then
   * every open checkout of the bundle is expired: nobody pays an old price, or for a bundle off sale.
   */
  private async change(adminId: string, bundleId: string, price: Price | null, action: string): Promise<PriceView> {
    const view = await this.prisma.$transaction(async (tx) => {
      if (!(await lockRow(tx, 'Bundle', bundleId))) throw new NotFoundException(`bundle ${bundleId} not found`);
      const before = await tx.bundle.findUniqueOrThrow({ where: { id: bundleId } });
      const after = await tx.bundle.update({
        where: { id: bundleId },
        data: {
          priceAmount: price?.amount ?? null,
          priceCurrency: price?.currency ?? null,
          priceMinimum: price?.minimum ?? null,
        },
      });
      await tx.priceChange.create({
        data: {
          bundleId,
          adminId,
          oldAmount: before.priceAmount,
          oldCurrency: before.priceCurrency,
          oldMinimum: before.priceMinimum,
          newAmount: after.priceAmount,
          newCurrency: after.priceCurrency,
          newMinimum: after.priceMinimum,
        },
      });
      await this.audit.record(
        {
          actorId: adminId,
          action,
          targetType: 'bundle',
          targetId: bundleId,
          details: { before: priceOf(before), after: priceOf(after) },
        },
        tx,
      );
      return priceView(after);
    });
    await this.openCheckouts.closeForBundle(bundleId, price ? 'price changed' : 'taken off sale');
    return view;
  }

  private async bundleOrThrow(id: string): Promise<Bundle> {
    const bundle = await this.prisma.bundle.findUnique({ where: { id } });
    if (!bundle) throw new NotFoundException(`bundle ${id} not found`);
    return bundle;
  }
}

function priceOf(b: Bundle) {
  return { amount: b.priceAmount, currency: b.priceCurrency, minimum: b.priceMinimum };
}

export function priceView(b: Bundle): PriceView {
  return {
    bundleId: b.id,
    ...priceOf(b),
    forSale: b.priceAmount !== null && b.priceCurrency !== null,
    platformSellerOfRecord: b.platformSellerOfRecord,
  };
}
