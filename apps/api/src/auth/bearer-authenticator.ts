import { Injectable, UnauthorizedException } from '@nestjs/common';
import { hashTokenSecret } from '@keyseed/auth';
import type { AuthenticatedUser } from './auth.decorators';
import { TokenRevocations } from './token-revocations';
import { TokenStore } from './token-store';

/**
 * Bearer token → user, for the global guard and for the routes answered ahead of Express (the
 * fast path, docs/architecture.md): one token cache and one set of refusals for both. Lookups are
 * reused for up to 5 s (TokenCache states the bounds) while drops from other replicas are received.
 */
@Injectable()
export class BearerAuthenticator {
  constructor(
    private readonly revocations: TokenRevocations,
    private readonly tokenStore: TokenStore,
  ) {}

  async authenticate(secret: string): Promise<AuthenticatedUser> {
    const tokens = this.revocations.cache;
    const tokenHash = hashTokenSecret(secret);
    const cached = tokens.get(tokenHash);
    if (cached) return cached;
    const generation = tokens.generation;
    const token = await this.tokenStore.owner(tokenHash);
    if (!token) throw new UnauthorizedException('the bearer token is invalid, expired or revoked');
    const authenticated = {
      id: token.userId,
      email: token.email,
      displayName: token.displayName,
      roles: token.roles,
      tokenId: token.tokenId,
    };
    if (this.revocations.live) tokens.set(tokenHash, authenticated, generation, token.expiresAt);
    return authenticated;
  }

  /** The caller of a route that needs an account: 401 without a token, with a malformed or a refused one. */
  async requireUser(authorization: string | undefined): Promise<AuthenticatedUser> {
    const secret = bearerToken(authorization);
    if (!secret) throw missingBearer();
    return this.authenticate(secret);
  }
}

export function missingBearer(): UnauthorizedException {
  return new UnauthorizedException('a bearer token is required (Authorization: Bearer <token>)');
}

/** The token of an `Authorization: Bearer <token>` header; a malformed header is a 401 when `strict`. */
export function bearerToken(header: string | undefined, strict = true): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match && strict) throw new UnauthorizedException('Authorization header must be "Bearer <token>"');
  return match?.[1] ?? null;
}
