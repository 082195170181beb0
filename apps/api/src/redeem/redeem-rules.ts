import { ConflictException } from '@nestjs/common';
import type { Bundle, Prisma } from '@keyseed/database';

/** Codes grant licenses of bundles buyers can download: published or unlisted, not drafts or taken down. */
export function assertRedeemable(bundle: Pick<Bundle, 'status' | 'title'>): void {
  if (bundle.status !== 'PUBLISHED' && bundle.status !== 'UNLISTED')
    throw new ConflictException(`${bundle.title} cannot be redeemed right now (it is ${bundle.status.toLowerCase()})`);
}

/**
 * A code or a gift gives the whole bundle: a buyer who already holds a license for it is refused
 * (an email-gate license does not count: it may cover only some items). `unused` says what becomes
 * of the code. Call it under lockBuyerBundle.
 */
export async function refuseIfLicensed(
  tx: Prisma.TransactionClient,
  buyerId: string,
  bundle: Pick<Bundle, 'id' | 'title'>,
  unused: string,
): Promise<void> {
  const held = await tx.license.findFirst({
    where: { buyerId, bundleId: bundle.id, status: { not: 'REVOKED' }, source: { not: 'EMAIL_GATE' } },
    select: { id: true },
  });
  if (held) throw new ConflictException(`you already hold license ${held.id} for ${bundle.title}; ${unused}`);
}
