import type { AuthenticatedUser } from './auth.decorators';

/** Longest a token lookup is reused; also the bound on revocations made by another API process. */
export const TOKEN_CACHE_TTL_MS = 5_000;

interface Entry {
  user: AuthenticatedUser;
  userId: string;
  until: number;
}

/**
 * Token hash → user for a few seconds, so a burst of requests with one token (a client fetching
 * keys) does not look the token up every time. Never caches a refusal. Bounds on staleness:
 * - a token revoked, or an account disabled or changed, by another API process still works here
 *   for at most `TOKEN_CACHE_TTL_MS` (5 s), and never past the token's own expiry;
 * - in this process the guard drops entries around every state-changing request (the caller's for
 *   logout and token revocation, all of them for an admin's), and a lookup that was in flight across
 *   such a drop is not cached (`generation`).
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private gen = 0;

  constructor(
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly maxEntries = 10_000,
  ) {}

  /** Bumped by every drop; take it before a lookup and hand it to `set`. */
  get generation(): number {
    return this.gen;
  }

  get(tokenHash: string, now = Date.now()): AuthenticatedUser | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.user;
    this.remove(tokenHash, entry.userId);
    return undefined;
  }

  /** Caches a lookup started at `generation`, unless something was dropped since. */
  set(tokenHash: string, user: AuthenticatedUser, generation: number, expiresAt: Date | null, now = Date.now()): void {
    if (generation !== this.gen) return;
    const until = Math.min(now + this.ttlMs, expiresAt?.getTime() ?? Infinity);
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.remove(oldest, entry.userId);
    }
    this.entries.set(tokenHash, {
      user: Object.freeze({ ...user, roles: Object.freeze([...user.roles]) as AuthenticatedUser['roles'] }),
      userId: user.id,
      until,
    });
    let hashes = this.byUser.get(user.id);
    if (!hashes) this.byUser.set(user.id, (hashes = new Set()));
    hashes.add(tokenHash);
  }

  /** Forgets every token of one account. */
  dropUser(userId: string): void {
    this.gen++;
    for (const hash of this.byUser.get(userId) ?? []) this.entries.delete(hash);
    this.byUser.delete(userId);
  }

  /** Forgets everything. */
  clear(): void {
    this.gen++;
    this.entries.clear();
    this.byUser.clear();
  }

  private remove(tokenHash: string, userId: string): void {
    this.entries.delete(tokenHash);
    const hashes = this.byUser.get(userId);
    hashes?.delete(tokenHash);
    if (hashes?.size === 0) this.byUser.delete(userId);
  }
}
