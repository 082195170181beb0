import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O, U, so a code read aloud or retyped survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Redeem codes: 16 characters, 80 random bits. Gift claim tokens: 24 characters, 120 bits. */
export const REDEEM_CODE_LENGTH = 16;
export const GIFT_TOKEN_LENGTH = 24;

/** `length` random Crockford base32 characters (5 bits each, from crypto-random bytes). */
export function randomClaimCode(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] & 31];
  return out;
}

/**
 * A code as someone typed or pasted it → its stored form: dashes and spaces dropped, upper-case,
 * the letters Crockford maps (O → 0, I and L → 1). Null when anything else remains.
 */
export function normalizeClaimCode(input: string): string | null {
  const s = input.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]+$/.test(s) && s.length <= 64 ? s : null;
}

/** `ABCD-EFGH-JKMN-PQRS`: groups of four, how codes are shown and exported. */
export function formatClaimCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}
