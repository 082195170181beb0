import { createHash, randomBytes } from 'node:crypto';

export type TokenKindName = 'SESSION' | 'PERSONAL';

/**
 * Bearer secrets: `ks_s_…` (login session) or `ks_p_…` (personal, for the CLI), 32 random bytes.
 * Only SHA-256(secret) is stored; a fast hash is right here because the secret is high-entropy.
 */
export function newTokenSecret(kind: TokenKindName): string {
  return `${kind === 'SESSION' ? 'ks_s_' : 'ks_p_'}${randomBytes(32).toString('base64url')}`;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What listings show so a user can recognise a token without it being usable. */
export function tokenPrefix(secret: string): string {
  return secret.slice(0, 10);
}
