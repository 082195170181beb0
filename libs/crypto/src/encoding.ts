import { CryptoError, CryptoErrorCode } from './errors';

const B64URL = /^[A-Za-z0-9_-]*$/;

/** base64url without padding (RFC 4648 §5), the wire encoding of every sealed-delivery field. */
export function toBase64url(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64url');
}

/**
 * Strict base64url decode: only the URL-safe alphabet, padding tolerated, and (when given) an exact
 * decoded length. `what` names the field in the error.
 */
export function fromBase64url(value: unknown, what: string, code: CryptoErrorCode, length?: number): Buffer {
  if (typeof value !== 'string') throw new CryptoError(code, `${what} must be a base64url string, got ${typeof value}`);
  const bare = value.replace(/=+$/, '');
  if (!B64URL.test(bare) || bare.length % 4 === 1) throw new CryptoError(code, `${what} is not valid base64url`);
  const buf = Buffer.from(bare, 'base64url');
  if (length !== undefined && buf.length !== length) {
    throw new CryptoError(code, `${what} must be ${length} bytes, got ${buf.length}`);
  }
  return buf;
}

export function assertKey(key: Uint8Array, length: number, what: string): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== length) {
    const got = key instanceof Uint8Array ? `${key.byteLength} bytes` : typeof key;
    throw new CryptoError('BAD_KEY', `${what} must be ${length} bytes, got ${got}`);
  }
}
