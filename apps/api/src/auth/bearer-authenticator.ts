import { Injectable, UnauthorizedException } from '@nestjs/common';
import { hashTokenSecret } from '@keyseed/auth';
import type { AuthenticatedUser } from './auth.decorators';
import { TokenRevocations } from './token-revocations';
import { TokenOwner, TokenQueryRow, TokenStore } from './token-store';

/** What a route's own statement returns when it also resolved the bearer token (tokenOwnerSql). */
export interface TokenAlong<T> {
  /** The token's row, or null when the token is not live. */
  token: TokenQueryRow | null;
  rows: T;
}

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
    const { user } = await this.resolve(secret, async (tokenHash) => {
      const owner = await this.tokenStore.owner(tokenHash);
      return { owner, rows: undefined };
    });
    return user;
  }

  /** The caller of a route that needs an account: 401 without a token, with a malformed or a refused one. */
  async requireUser(authorization: string | undefined): Promise<AuthenticatedUser> {
    const secret = bearerToken(authorization);
    if (!secret) throw missingBearer();
    return this.authenticate(secret);
  }

  /**
   * requireUser for a route that reads the database for the request anyway (key delivery at a
   * premiere: every buyer's first request misses the token cache): when the token is not cached,
   * `lookup` resolves it in the route's own statement (tokenOwnerSql embedded), one round trip
   * instead of two, and what it read comes back as `rows`. On a cache hit nothing is read and
   * `rows` is undefined: the route reads them itself. Same cache, refusals and lastUsedAt refresh
   * as requireUser.
   */
  async requireUserWith<T>(
    authorization: string | undefined,
    lookup: (tokenHash: string) => Promise<TokenAlong<T>>,
  ): Promise<{ user: AuthenticatedUser; rows: T | undefined }> {
    const secret = bearerToken(authorization);
    if (!secret) throw missingBearer();
    return this.resolve(secret, async (tokenHash) => {
      const { token, rows } = await lookup(tokenHash);
      return { owner: token && this.tokenStore.owned(token), rows };
    });
  }

  private async resolve<T>(
    secret: string,
    lookup: (tokenHash: string) => Promise<{ owner: TokenOwner | null; rows: T }>,
  ): Promise<{ user: AuthenticatedUser; rows: T | undefined }> {
    const tokens = this.revocations.cache;
    const tokenHash = hashTokenSecret(secret);
    const cached = tokens.get(tokenHash);
    if (cached) return { user: cached, rows: undefined };
    const generation = tokens.generation;
    const { owner: token, rows } = await lookup(tokenHash);
    if (!token) throw new UnauthorizedException('the bearer token is invalid, expired or revoked');
    const authenticated = {
      id: token.userId,
      email: token.email,
      displayName: token.displayName,
      roles: token.roles,
      tokenId: token.tokenId,
    };
    if (this.revocations.live) tokens.set(tokenHash, authenticated, generation, token.expiresAt);
    return { user: authenticated, rows };
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
