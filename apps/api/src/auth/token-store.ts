import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { QueryConfig } from 'pg';
import { HotPathPool, Role } from '@keyseed/database';
import { GroupCommit } from '../common/group-commit';

/** How often a token's lastUsedAt is refreshed (no write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Refreshes due are written together, at most once a second. */
const TOUCH_DELAY_MS = 1_000;

export interface TokenOwner {
  tokenId: string;
  expiresAt: Date | null;
  userId: string;
  email: string;
  displayName: string;
  roles: Role[];
}

/** A row of tokenOwnerSql, as node-postgres returns it. */
export interface TokenQueryRow {
  id: string;
  expiresAtMs: number | null;
  lastUsedAtMs: number | null;
  userId: string;
  email: string;
  displayName: string;
  roles: Role[];
}

/**
 * The live token whose hash is the SQL expression `tokenHash` (a parameter such as `$1`, or a
 * column of an outer query) and its owner (TokenQueryRow; no row when the token is unknown,
 * revoked, expired or its account disabled). Also embedded by routes that resolve an uncached token
 * in the statement that reads their own rows (BearerAuthenticator.requireUserWith).
 * Times as epoch ms: node-postgres would read a timestamp without time zone in the process's zone.
 */
export function tokenOwnerSql(tokenHash: string): string {
  return `
  SELECT t.id, (extract(epoch FROM t."expiresAt") * 1000)::float8 AS "expiresAtMs",
         (extract(epoch FROM t."lastUsedAt") * 1000)::float8 AS "lastUsedAtMs",
         u.id AS "userId", u.email, u."displayName", u.roles::text[] AS roles
  FROM "ApiToken" t JOIN "User" u ON u.id = t."userId"
  WHERE t."tokenHash" = ${tokenHash} AND t."revokedAt" IS NULL
    AND (t."expiresAt" IS NULL OR t."expiresAt" > now()) AND u."disabledAt" IS NULL`;
}

const LOOKUP_SQL = tokenOwnerSql('$1');

const TOUCH_SQL = `
  UPDATE "ApiToken" SET "lastUsedAt" = now()
  WHERE id = ANY($1::uuid[]) AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - $2::float8 * interval '1 ms')`;

/**
 * Bearer-token lookups for the global guard, on the hot-path pool: a premiere's buyers all arrive
 * with tokens no replica has cached yet, so each costs one prepared read. `lastUsedAt` (shown in
 * token lists, minute resolution) is refreshed by group commit after the answer, never awaited, at
 * most once a second: a premiere's thousands of first requests a second become one UPDATE a second
 * instead of one committed write each.
 */
@Injectable()
export class TokenStore implements OnModuleDestroy {
  private readonly logger = new Logger('auth');
  private readonly touches = new GroupCommit<string>((ids) => this.touch(ids), {
    maxRows: 10_000,
    delayMs: TOUCH_DELAY_MS,
  });

  constructor(private readonly pool: HotPathPool) {}

  /** The live token's owner, or null (unknown, revoked, expired, or the account disabled). */
  async owner(tokenHash: string): Promise<TokenOwner | null> {
    const { rows } = await this.pool.query<TokenQueryRow>({
      name: 'auth.token',
      text: LOOKUP_SQL,
      values: [tokenHash],
    });
    return rows.length === 0 ? null : this.owned(rows[0]);
  }

  /** The owner of a token read by tokenOwnerSql (here or in another statement); refreshes its lastUsedAt when due. */
  owned(row: TokenQueryRow): TokenOwner {
    if (row.lastUsedAtMs === null || row.lastUsedAtMs < Date.now() - LAST_USED_RESOLUTION_MS) {
      this.touches
        .add([row.id])
        .catch((err: Error) => this.logger.warn({ event: 'auth.last_used_refresh_failed', error: err.message }));
    }
    return {
      tokenId: row.id,
      expiresAt: row.expiresAtMs === null ? null : new Date(row.expiresAtMs),
      userId: row.userId,
      email: row.email,
      displayName: row.displayName,
      roles: row.roles,
    };
  }

  /** Each statement of this store with values that match no row and change nothing (the key path's warm-up). */
  warmUpQueries(): QueryConfig[] {
    return [
      { name: 'auth.token', text: LOOKUP_SQL, values: [''] },
      { name: 'auth.touch', text: TOUCH_SQL, values: [[], LAST_USED_RESOLUTION_MS] },
    ];
  }

  async onModuleDestroy(): Promise<void> {
    await this.touches.drain();
  }

  private async touch(ids: string[]): Promise<void> {
    await this.pool.query({
      name: 'auth.touch',
      text: TOUCH_SQL,
      values: [[...new Set(ids)], LAST_USED_RESOLUTION_MS],
    });
  }
}
