import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PrismaService } from '@keyseed/database';
import {
  ACCOUNT_NEUTRAL,
  AuthenticatedUser,
  IS_PUBLIC,
  OWNED_RESOURCE,
  OwnedResourceSpec,
  REQUIRED_ROLES,
} from './auth.decorators';
import { bearerToken, BearerAuthenticator, missingBearer } from './bearer-authenticator';
import { TokenRevocations } from './token-revocations';
import type { Role } from '@keyseed/database';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Global guard: bearer token → user, then role and ownership checks declared on the route.
 * Every route is authenticated unless marked @Public(). Token lookups (BearerAuthenticator) are
 * reused for up to 5 s (TokenCache, which states the bounds); a state-changing request drops the caller's cached
 * lookups (an admin's: all of them) on every API replica (TokenRevocations) when it starts and
 * again when it has been answered, unless its route is @AccountNeutral().
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly prisma: PrismaService,
    private readonly revocations: TokenRevocations,
    private readonly bearer: BearerAuthenticator,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
    const targets = [ctx.getHandler(), ctx.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;

    // A public route answers anyone: a token it does not need (expired, revoked, junk, malformed)
    // is ignored rather than refused, so a client with a stale saved token can still read the catalog.
    const secret = bearerToken(req.headers.authorization, !isPublic);
    if (secret)
      req.user = isPublic
        ? await this.bearer.authenticate(secret).catch(ignoreUnauthorized)
        : await this.bearer.authenticate(secret);
    if (
      req.user &&
      !SAFE_METHODS.has(req.method) &&
      !this.reflector.getAllAndOverride<boolean>(ACCOUNT_NEUTRAL, targets)
    ) {
      await this.dropCachedLookups(req.user, ctx.switchToHttp().getResponse<Response>());
    }
    if (isPublic) return true;
    if (!req.user) throw missingBearer();

    const roles = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets);
    const isAdmin = req.user.roles.includes('ADMIN');
    if (roles?.length && !isAdmin && !roles.some((r) => req.user!.roles.includes(r))) {
      throw new ForbiddenException(`this action needs the ${roles.map((r) => r.toLowerCase()).join(' or ')} role`);
    }

    const owned = this.reflector.getAllAndOverride<OwnedResourceSpec>(OWNED_RESOURCE, targets);
    if (owned) await this.checkOwnership(owned, String(req.params[owned.param] ?? ''), req.user, isAdmin);
    return true;
  }

  /**
   * The request may revoke tokens or change accounts (logout, token revocation, an admin disabling
   * someone or changing roles): forget the affected lookups now, so a later request cannot reuse
   * one, and once it has been answered, in case a concurrent lookup cached the state from before
   * its commit.
   */
  private async dropCachedLookups(user: AuthenticatedUser, res: Response): Promise<void> {
    const who = user.roles.includes('ADMIN') ? null : user.id;
    res.once('close', () => void this.revocations.drop(who));
    await this.revocations.drop(who);
  }

  private async checkOwnership(
    spec: OwnedResourceSpec,
    id: string,
    user: AuthenticatedUser,
    isAdmin: boolean,
  ): Promise<void> {
    const notFound = () => new NotFoundException(`${spec.kind} ${id} not found`);
    // Exactly a UUID: anything else of the right length (36 dashes, 36 hex digits) fails PostgreSQL's uuid cast.
    if (!UUID.test(id)) throw notFound();
    const ownerId = await this.ownerOf(spec.kind, id);
    if (ownerId === null) throw notFound();
    if (ownerId !== user.id && !isAdmin) throw new ForbiddenException(`this ${spec.kind} belongs to another account`);
  }

  private async ownerOf(kind: OwnedResourceSpec['kind'], id: string): Promise<string | null> {
    switch (kind) {
      case 'bundle':
        return (await this.prisma.bundle.findUnique({ where: { id }, select: { creatorId: true } }))?.creatorId ?? null;
      case 'item':
        return (
          (await this.prisma.item.findUnique({ where: { id }, select: { bundle: { select: { creatorId: true } } } }))
            ?.bundle.creatorId ?? null
        );
      case 'order':
        return (await this.prisma.order.findUnique({ where: { id }, select: { buyerId: true } }))?.buyerId ?? null;
      case 'license':
        return (await this.prisma.license.findUnique({ where: { id }, select: { buyerId: true } }))?.buyerId ?? null;
      case 'discountCode':
        return (
          (await this.prisma.discountCode.findUnique({ where: { id }, select: { creatorId: true } }))?.creatorId ?? null
        );
      case 'redeemBatch':
        return (
          (
            await this.prisma.redeemBatch.findUnique({
              where: { id },
              select: { bundle: { select: { creatorId: true } } },
            })
          )?.bundle.creatorId ?? null
        );
    }
  }
}

function ignoreUnauthorized(err: unknown): undefined {
  if (err instanceof UnauthorizedException) return undefined;
  throw err;
}
