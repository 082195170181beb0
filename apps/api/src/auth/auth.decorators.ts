import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@keyseed/database';

export const IS_PUBLIC = 'keyseed:public';
export const REQUIRED_ROLES = 'keyseed:roles';
export const OWNED_RESOURCE = 'keyseed:owned';
export const ACCOUNT_NEUTRAL = 'keyseed:account-neutral';

/** No bearer token needed (a token, when sent, is still read so handlers can tailor answers). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * A state-changing route that never changes accounts, tokens or roles (key delivery): the caller's
 * cached token lookup survives it. Every other POST/PUT/PATCH/DELETE drops it (see TokenCache).
 */
export const AccountNeutral = () => SetMetadata(ACCOUNT_NEUTRAL, true);

/** The caller needs at least one of these roles (admins pass every role check). */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

export type OwnedResourceKind = 'bundle' | 'item' | 'order' | 'license' | 'discountCode' | 'redeemBatch';

export interface OwnedResourceSpec {
  kind: OwnedResourceKind;
  /** Name of the route parameter that holds the resource id. */
  param: string;
}

/**
 * The route acts on one resource that must belong to the caller (creator of the bundle, buyer of
 * the order/license, creator whose bundles a discount code or redeem batch is for); admins may act on any. Missing → 404, someone else's → 403.
 */
export const Owns = (kind: OwnedResourceKind, param = 'id') =>
  SetMetadata(OWNED_RESOURCE, { kind, param } satisfies OwnedResourceSpec);

export interface AuthenticatedUser {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  tokenId: string;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedUser | undefined =>
    ctx.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
