import { ConflictException } from '@nestjs/common';
import type { Bundle } from '@keyseed/database';

/** Codes grant licenses of bundles buyers can download: published or unlisted, not drafts or taken down. */
export function assertRedeemable(bundle: Pick<Bundle, 'status' | 'title'>): void {
  if (bundle.status !== 'PUBLISHED' && bundle.status !== 'UNLISTED')
    throw new ConflictException(`${bundle.title} cannot be redeemed right now (it is ${bundle.status.toLowerCase()})`);
}
