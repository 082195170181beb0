import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { CryptoError } from './errors';

/** Length of a KEK and of a content key (AES-256). */
export const KEK_BYTES = 32;

/** A platform key-encryption key and its id (docs/key-scheme.md). */
export interface Kek {
  /** First 16 hex chars of SHA-256(key); stored next to every wrapped key (`Item.kekId`). */
  readonly id: string;
  readonly key: Buffer;
}

/** Id of a KEK: the first 16 hex chars of SHA-256(KEK). */
export function kekIdOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const BASE64_32 = /^[A-Za-z0-9+/]{43}=?$/;

/**
 * The configured KEKs, newest first: `current` (the first) wraps, every one unwraps.
 * Never prints key material: `inspect`, `toString` and `toJSON` show ids only.
 */
export class Keyring {
  readonly keks: readonly Kek[];
  private readonly byId: ReadonlyMap<string, Kek>;

  private constructor(keks: Kek[]) {
    this.keks = Object.freeze(keks);
    this.byId = new Map(keks.map((k) => [k.id, k]));
  }

  /**
   * Parses `KEYSEED_KEK`: comma-separated base64 of 32 bytes each, newest first. Whitespace around
   * entries is ignored. `source` names the variable (or file) in errors.
   */
  static parse(value: string | undefined, source = 'KEYSEED_KEK'): Keyring {
    if (value === undefined || value.trim() === '') {
      throw new CryptoError(
        'KEK_CONFIG',
        `${source} is empty: set it to base64 of 32 random bytes (\`openssl rand -base64 32\`), newest first, comma-separated`,
      );
    }
    const entries = value.split(',').map((e) => e.trim());
    const keys = entries.map((entry, i) => {
      const where = entries.length > 1 ? `${source} entry ${i + 1} of ${entries.length}` : source;
      if (entry === '') throw new CryptoError('KEK_CONFIG', `${where} is empty (stray comma?)`);
      if (!BASE64_32.test(entry)) {
        const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(entry)
          ? `decodes to ${Buffer.from(entry, 'base64').length} bytes`
          : 'is not base64';
        throw new CryptoError(
          'KEK_CONFIG',
          `${where} must be base64 of exactly ${KEK_BYTES} bytes (44 chars, \`openssl rand -base64 32\`), but it ${decoded}`,
        );
      }
      return Buffer.from(entry, 'base64');
    });
    return Keyring.fromKeys(keys, source);
  }

  /** Builds a keyring from raw 32-byte keys, newest first. */
  static fromKeys(keys: readonly Uint8Array[], source = 'keyring'): Keyring {
    if (keys.length === 0) throw new CryptoError('KEK_CONFIG', `${source} holds no KEK`);
    const keks: Kek[] = [];
    keys.forEach((k, i) => {
      if (k.byteLength !== KEK_BYTES) {
        throw new CryptoError(
          'KEK_CONFIG',
          `${source} entry ${i + 1}: a KEK must be ${KEK_BYTES} bytes, got ${k.byteLength}`,
        );
      }
      const key = Buffer.from(k); // private copy
      const id = kekIdOf(key);
      const dup = keks.findIndex((e) => e.id === id);
      if (dup >= 0)
        throw new CryptoError('KEK_CONFIG', `${source} entries ${dup + 1} and ${i + 1} are the same KEK (id ${id})`);
      keks.push(Object.freeze({ id, key }));
    });
    return new Keyring(keks);
  }

  /** The newest KEK: the one that wraps. */
  get current(): Kek {
    return this.keks[0];
  }

  /** Ids, newest first. */
  get ids(): string[] {
    return this.keks.map((k) => k.id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The KEK with this id, or a CryptoError('UNKNOWN_KEK') naming the configured ids. */
  get(id: string): Kek {
    const kek = this.byId.get(id);
    if (!kek) {
      throw new CryptoError(
        'UNKNOWN_KEK',
        `KEK ${JSON.stringify(id)} is not configured (KEYSEED_KEK holds ${this.ids.join(', ')}); add the old KEK after the new one to unwrap keys it wrapped`,
      );
    }
    return kek;
  }

  /** True when keys wrapped under `id` should be rewrapped under `current`. */
  isStale(id: string): boolean {
    return id !== this.current.id;
  }

  toString(): string {
    return `Keyring(${this.ids.join(', ')})`;
  }

  toJSON(): { ids: string[] } {
    return { ids: this.ids };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
