import { concatBytes, decodeBase64, fromHex, ownBytes, toHex, utf8 } from './bytes';
import type { DeviceKey } from './device-key';
import { UnlockError } from './errors';

/**
 * Opening a sealed key delivery on the device (docs/key-scheme.md), with WebCrypto only:
 *
 *     Z = X25519(d, E);  W = HKDF-SHA256(Z, salt = E ‖ D, info = "keyseed/deliver/v1", 32)
 *     payload = AES-256-GCM-decrypt(W, nonce, AAD = "keyseed/v1|" ‖ licenseId ‖ "|" ‖ deviceId, ciphertext ‖ tag)
 *
 * Payload v2 carries, per locked item, the content key, the plaintext SHA-256 and (items ingested
 * with one) the plaintext piece root (license deliveries), or the preview pieces' keys (licenseId
 * "preview"); v1 (every piece key) is still read. Keys this page does not know are ignored.
 */
export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';
export const PREVIEW_ID = 'preview';
const DELIVER_INFO = 'keyseed/deliver/v1';

export interface SealedKeySet {
  alg: string;
  epk: string;
  nonce: string;
  ciphertext: string;
}

/** What one item's delivery gives the client. */
export type DeliveredItem =
  | {
      kind: 'content';
      itemId: string;
      contentKey: Uint8Array;
      plaintextSha256: string;
      /** Lowercase hex; null when the delivery has none (items ingested before it existed). */
      plaintextPieceRoot: string | null;
    }
  | { kind: 'pieces'; itemId: string; first: number; keys: Uint8Array };

export interface OpenedDelivery {
  version: 1 | 2;
  licenseId: string;
  items: DeliveredItem[];
}

/**
 * Opens `sealed` with the device key. `licenseId` and `deviceId` are the ones the keys were asked
 * for ("preview" and "preview" for previews): a box sealed for anything else does not open.
 */
export async function openDelivery(
  device: DeviceKey,
  deviceId: string,
  licenseId: string,
  sealed: SealedKeySet,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<OpenedDelivery> {
  if (sealed?.alg !== SEAL_ALG) fail(`its algorithm is ${JSON.stringify(sealed?.alg)}, not ${SEAL_ALG}`);
  const epk = field(sealed.epk, 'epk', 32);
  const nonce = field(sealed.nonce, 'nonce', 12);
  const ciphertext = field(sealed.ciphertext, 'ciphertext');
  if (ciphertext.length < 16) fail('its ciphertext is shorter than the GCM tag');

  const z = await device.agree(epk);
  const ikm = await subtle.importKey('raw', ownBytes(z), 'HKDF', false, ['deriveKey']);
  z.fill(0);
  const w = await subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: concatBytes(epk, device.publicKey), info: utf8(DELIVER_INFO) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
  let payload: ArrayBuffer;
  try {
    payload = await subtle.decrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: utf8(`keyseed/v1|${licenseId}|${deviceId}`), tagLength: 128 },
      w,
      ciphertext,
    );
  } catch (err) {
    throw new UnlockError(
      'OPEN_FAILED',
      'the keys did not open on this browser: they were sealed for another device or license, or altered on the way. Reload the page to fetch them again',
      {},
      { cause: err },
    );
  }
  return parsePayload(new Uint8Array(payload), licenseId);
}

function parsePayload(bytes: Uint8Array, licenseId: string): OpenedDelivery {
  let doc: { v?: unknown; licenseId?: unknown; items?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as typeof doc;
  } catch {
    return fail('its payload is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || (doc.v !== 1 && doc.v !== 2))
    fail(`its payload version is ${JSON.stringify(doc?.v)}, this page reads 1 and 2`);
  if (doc.licenseId !== licenseId) fail(`it is for license ${JSON.stringify(doc.licenseId)}, not ${licenseId}`);
  if (!Array.isArray(doc.items)) fail('its payload has no items');
  const items = (doc.items as unknown[]).map((raw, n): DeliveredItem => {
    const it = (raw ?? {}) as Record<string, unknown>;
    if (typeof it.itemId !== 'string' || it.itemId === '') return fail(`item ${n} has no itemId`);
    if (typeof it.contentKey === 'string') {
      const contentKey = decodeBase64(it.contentKey);
      if (contentKey?.length !== 32) return fail(`item ${it.itemId}: the content key is not 32 bytes`);
      const root = it.plaintextPieceRoot;
      if (root !== undefined && !(typeof root === 'string' && SHA256_HEX.test(root)))
        return fail(`item ${n}: the plaintext piece root is not 64 lowercase hex digits`);
      return {
        kind: 'content',
        itemId: it.itemId,
        contentKey,
        plaintextSha256: sha256Hex(it.plaintextSha256, n),
        plaintextPieceRoot: typeof root === 'string' ? root : null,
      };
    }
    const keys = typeof it.keys === 'string' ? decodeBase64(it.keys) : null;
    const first = it.first ?? 0;
    if (!keys || keys.length === 0 || keys.length % 32 !== 0) return fail(`item ${it.itemId}: malformed piece keys`);
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 0)
      return fail(`item ${it.itemId}: malformed first piece`);
    return { kind: 'pieces', itemId: it.itemId, first, keys };
  });
  return { version: doc.v, licenseId, items };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The plaintext SHA-256 as lowercase hex (hex on the wire; base64 accepted too). */
function sha256Hex(value: unknown, n: number): string {
  if (typeof value === 'string') {
    const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? fromHex(value) : decodeBase64(value);
    if (bytes?.length === 32) return toHex(bytes);
  }
  return fail(`item ${n}: the plaintext SHA-256 is missing or malformed`);
}

function field(value: unknown, name: string, length?: number): Uint8Array<ArrayBuffer> {
  const bytes = typeof value === 'string' ? decodeBase64(value) : null;
  if (!bytes || (length !== undefined && bytes.length !== length))
    fail(`its ${name} is not ${length ?? 'valid'}${length ? ' bytes of' : ''} base64url`);
  return ownBytes(bytes);
}

function fail(why: string): never {
  throw new UnlockError('OPEN_FAILED', `the key delivery is malformed: ${why}`);
}
