import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Bundle, DiscountCode, Prisma, PrismaService } from '@keyseed/database';
import { discountedAmount, DiscountError, normalizeDiscountCode, validateDiscount } from '@keyseed/paygate';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { CreateDiscountCodeDto } from './dtos/discount-code.dto';
import { DiscountCodeView } from './dtos/discount-code.responses';

/** What a code does to one checkout: the code's id (to reserve a use) and the amount to charge. */
export interface AppliedDiscount {
  codeId: string;
  code: string;
  maxUses: number | null;
  amount: number;
}

/**
 * Discount codes (docs/architecture.md, codes): creators make them for their own bundles (one, or
 * all), admins for any creator's; checkout applies them. Uses are reserved by DiscountUses
 * (libs/paygate) when the checkout's order is created.
 */
@Injectable()
export class DiscountCodesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  async create(caller: AuthenticatedUser, dto: CreateDiscountCodeDto): Promise<DiscountCodeView> {
    const isAdmin = caller.roles.includes('ADMIN');
    let creatorId: string;
    if (dto.bundleId) {
      if (dto.creatorId) throw new BadRequestException('give bundleId or creatorId, not both');
      const bundle = await this.prisma.bundle.findUnique({ where: { id: dto.bundleId }, select: { creatorId: true } });
      if (!bundle) throw new NotFoundException(`bundle ${dto.bundleId} not found`);
      if (bundle.creatorId !== caller.id && !isAdmin)
        throw new ForbiddenException('this bundle belongs to another account: codes are for your own bundles');
      creatorId = bundle.creatorId;
    } else if (isAdmin) {
      if (!dto.creatorId)
        throw new BadRequestException("admins give bundleId, or creatorId for all of a creator's bundles");
      const creator = await this.prisma.user.findUnique({ where: { id: dto.creatorId }, select: { roles: true } });
      if (!creator?.roles.includes('CREATOR')) throw new NotFoundException(`creator ${dto.creatorId} not found`);
      creatorId = dto.creatorId;
    } else {
      if (dto.creatorId && dto.creatorId !== caller.id)
        throw new ForbiddenException('creatorId names another account: codes are for your own bundles');
      creatorId = caller.id;
    }
    let valid;
    try {
      valid = validateDiscount({
        ...dto,
        startsAt: dto.startsAt ? new Date(dto.startsAt) : null,
        endsAt: dto.endsAt ? new Date(dto.endsAt) : null,
      });
    } catch (err) {
      if (err instanceof DiscountError) throw new BadRequestException(err.message);
      throw err;
    }
    try {
      const code = await this.prisma.$transaction(async (tx) => {
        const created = await tx.discountCode.create({
          data: { ...valid, creatorId, bundleId: dto.bundleId ?? null, createdById: caller.id },
        });
        await this.audit.record(
          {
            actorId: caller.id,
            action: 'discount_code.create',
            targetType: 'discount_code',
            targetId: created.id,
            details: { code: created.code, creatorId, bundleId: created.bundleId },
          },
          tx,
        );
        return created;
      });
      return view(code);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw new ConflictException(`code ${valid.code} exists already for this creator`);
      throw err;
    }
  }

  /** The caller's codes (admins: all, or one creator's), newest first. */
  async list(caller: AuthenticatedUser, creatorId?: string): Promise<DiscountCodeView[]> {
    const isAdmin = caller.roles.includes('ADMIN');
    const codes = await this.prisma.discountCode.findMany({
      where: { creatorId: isAdmin ? creatorId : caller.id },
      orderBy: { createdAt: 'desc' },
      take: 1000,
    });
    return codes.map((c) => view(c));
  }

  /** Disables a code: checkouts already open keep their discount; new ones are refused. */
  async disable(caller: AuthenticatedUser, id: string): Promise<DiscountCodeView> {
    const code = await this.prisma.$transaction(async (tx) => {
      const updated = await tx.discountCode.update({
        where: { id },
        data: { disabledAt: new Date() },
      });
      await this.audit.record(
        { actorId: caller.id, action: 'discount_code.disable', targetType: 'discount_code', targetId: id },
        tx,
      );
      return updated;
    });
    return view(code);
  }

  /**
   * The code a buyer typed, applied to `amount` of `bundle`: 400 when there is no such code for
   * this bundle or it does not apply (window, currency, Stripe's minimum charge). Whether a use is
   * left is decided when checkout reserves one (a buyer holding a use gets their session back).
   */
  async apply(
    typed: string,
    bundle: Pick<Bundle, 'id' | 'creatorId'>,
    amount: number,
    currency: string,
  ): Promise<AppliedDiscount> {
    const text = normalizeDiscountCode(typed);
    const code = await this.prisma.discountCode.findUnique({
      where: { creatorId_code: { creatorId: bundle.creatorId, code: text } },
    });
    if (!code || (code.bundleId !== null && code.bundleId !== bundle.id))
      throw new BadRequestException(`there is no discount code ${text} for this bundle`);
    let discounted: number;
    try {
      discounted = discountedAmount(amount, currency, code, new Date());
    } catch (err) {
      if (err instanceof DiscountError) throw new BadRequestException(err.message);
      throw err;
    }
    return { codeId: code.id, code: code.code, maxUses: code.maxUses, amount: discounted };
  }
}

export function usedUp(code: Pick<DiscountCode, 'code' | 'maxUses'>): ConflictException {
  return new ConflictException(`code ${code.code} has been used up (${code.maxUses} uses)`);
}

function view(c: DiscountCode, now = new Date()): DiscountCodeView {
  const state = c.disabledAt
    ? 'DISABLED'
    : c.endsAt && now >= c.endsAt
      ? 'EXPIRED'
      : c.startsAt && now < c.startsAt
        ? 'SCHEDULED'
        : c.maxUses !== null && c.uses >= c.maxUses
          ? 'USED_UP'
          : 'ACTIVE';
  return {
    id: c.id,
    code: c.code,
    creatorId: c.creatorId,
    bundleId: c.bundleId,
    kind: c.kind,
    percentOff: c.percentOff,
    amountOff: c.amountOff,
    currency: c.currency,
    maxUses: c.maxUses,
    uses: c.uses,
    startsAt: c.startsAt,
    endsAt: c.endsAt,
    disabledAt: c.disabledAt,
    state,
    createdAt: c.createdAt,
  };
}
