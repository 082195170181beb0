import { x25519 } from '@noble/curves/ed25519.js';
import { ownBytes } from './bytes';
import { UnlockError } from './errors';

/**
 * The browser's device key (X25519, docs/key-scheme.md). WebCrypto makes it where the browser has
 * X25519: the private key is a non-extractable CryptoKey that script can use but never read, kept
 * as such in IndexedDB (structured clone keeps it non-extractable). Browsers without X25519 in
 * WebCrypto fall back to @noble/curves (audited); the scalar is then kept as bytes in IndexedDB.
 */
export type StoredDeviceKey =
  | { kind: 'webcrypto'; privateKey: CryptoKey; publicKey: Uint8Array }
  | { kind: 'noble'; privateScalar: Uint8Array; publicKey: Uint8Array };

export interface DeviceKey {
  /** Raw 32-byte public key: what is registered with a license. */
  readonly publicKey: Uint8Array;
  /** X25519(d, peer): the shared secret with a peer's raw public key. */
  agree(peerPublicKey: Uint8Array): Promise<Uint8Array>;
  /** The form to store in IndexedDB. */
  readonly stored: StoredDeviceKey;
}

/** A fresh device key: WebCrypto where X25519 is supported, else @noble/curves. */
export async function generateDeviceKey(subtle: SubtleCrypto = crypto.subtle): Promise<DeviceKey> {
  try {
    const pair = (await subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
    return deviceKeyFrom({ kind: 'webcrypto', privateKey: pair.privateKey, publicKey }, subtle);
  } catch (err) {
    if (!isUnsupported(err)) throw err;
    const privateScalar = x25519.utils.randomSecretKey();
    return deviceKeyFrom({ kind: 'noble', privateScalar, publicKey: x25519.getPublicKey(privateScalar) }, subtle);
  }
}

/** The device key from its stored form. */
export function deviceKeyFrom(stored: StoredDeviceKey, subtle: SubtleCrypto = crypto.subtle): DeviceKey {
  const agree =
    stored.kind === 'webcrypto'
      ? async (peer: Uint8Array): Promise<Uint8Array> => {
          const pub = await importPeer(subtle, peer);
          try {
            return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, stored.privateKey, 256));
          } catch (err) {
            throw lowOrder(err);
          }
        }
      : async (peer: Uint8Array): Promise<Uint8Array> => {
          checkPeer(peer);
          let z: Uint8Array;
          try {
            z = x25519.getSharedSecret(stored.privateScalar, peer);
          } catch (err) {
            throw lowOrder(err);
          }
          if (z.every((b) => b === 0)) throw lowOrder(null);
          return z;
        };
  return { publicKey: stored.publicKey, agree, stored };
}

async function importPeer(subtle: SubtleCrypto, peer: Uint8Array): Promise<CryptoKey> {
  checkPeer(peer);
  try {
    return await subtle.importKey('raw', ownBytes(peer), { name: 'X25519' }, false, []);
  } catch (err) {
    throw new UnlockError(
      'OPEN_FAILED',
      'the key delivery carries an invalid ephemeral public key',
      {},
      { cause: err },
    );
  }
}

function checkPeer(peer: Uint8Array): void {
  if (peer.length !== 32 || (peer[31] & 0x80) !== 0)
    throw new UnlockError(
      'OPEN_FAILED',
      'the key delivery carries a malformed ephemeral public key (not 32 raw bytes)',
    );
}

function lowOrder(cause: unknown): UnlockError {
  return new UnlockError(
    'OPEN_FAILED',
    'the key delivery carries a low-order ephemeral key (X25519 agreement failed)',
    {},
    { cause },
  );
}

function isUnsupported(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'NotSupportedError' || name === 'SyntaxError' || name === 'TypeError';
}
