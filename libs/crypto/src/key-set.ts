import { KeyObject } from 'node:crypto';
import type { DevicePrivateKey, DevicePublicKey } from './device-key';
import { assertKey } from './encoding';
import { CryptoError } from './errors';
import { MAX_PIECE_INDEX, PIECE_KEY_BYTES } from './piece-key';
import { openPayload, sealPayload, type SealOptions, type SealedKeySet } from './sealed-delivery';

/**
 * Payload v2 of a sealed delivery (docs/key-scheme.md), JSON text in this exact key order:
 *
 *     license: {"v":2,"licenseId":…,"items":[{"itemId":…,"contentKey":base64(CK),"plaintextSha256":hex,"plaintextPieceRoot":hex}]}
 *     preview: {"v":2,"licenseId":"preview","items":[{"itemId":…,"first":n,"keys":base64(K_first ‖ … ‖ K_last)}]}
 *
 * Binary fields are standard base64 with padding (as in v1); the plaintext SHA-256 and the plaintext
 * piece root (piece-root.ts) are 64 lowercase hex digits. The piece root is optional: items ingested
 * before it existed have none, and the key is then left out. A license delivery carries the content key: the buyer derives every piece key itself.
 * Previews are sealed with licenseId and deviceId "preview" and carry piece keys < previewPieces only.
 */
export const KEY_SET_VERSION = 2;
export const PREVIEW_LICENSE_ID = 'preview';
/** The device id in the AAD of preview deliveries: "keyseed/v1|preview|preview". */
export const PREVIEW_DEVICE_ID = 'preview';

export interface ContentKeyItem {
  itemId: string;
  /** CK, 32 bytes. */
  contentKey: Uint8Array;
  /** SHA-256 of the item's plaintext, 64 lowercase hex digits. */
  plaintextSha256: string;
  /** The item's plaintext piece root (piece-root.ts), 64 lowercase hex digits; absent for older items. */
  plaintextPieceRoot?: string | null;
}

/** Keys of pieces `first … first + keys.length/32 - 1` of one item. */
export interface PieceKeyItem {
  itemId: string;
  first: number;
  /** `K_first ‖ … ‖ K_last`, 32 bytes each (as `derivePieceKeys` returns). */
  keys: Uint8Array;
}

export interface OpenedContentKey {
  itemId: string;
  contentKey: Buffer;
  plaintextSha256: string;
  /** Present when the delivery carries one (items ingested with it). */
  plaintextPieceRoot?: string;
}

export interface OpenedPieceKeys {
  itemId: string;
  first: number;
  /** Inclusive. */
  last: number;
  keys: Buffer;
}

type PrivateKeyInput = string | Uint8Array | KeyObject | DevicePrivateKey;
type PublicKeyInput = string | Uint8Array | DevicePublicKey;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `{"itemId":…,"contentKey":…,"plaintextSha256":…[,"plaintextPieceRoot":…]}`: one license payload item, serialised. */
export function contentKeyItemJson(item: ContentKeyItem): string {
  validateItemId(item.itemId, 'BAD_KEY_SET');
  assertKey(item.contentKey, 32, `content key of item ${item.itemId}`);
  if (typeof item.plaintextSha256 !== 'string' || !SHA256_HEX.test(item.plaintextSha256))
    throw new CryptoError('BAD_KEY_SET', `item ${item.itemId}: plaintextSha256 must be 64 lowercase hex digits`);
  const root = item.plaintextPieceRoot ?? null;
  if (root !== null && (typeof root !== 'string' || !SHA256_HEX.test(root)))
    throw new CryptoError('BAD_KEY_SET', `item ${item.itemId}: plaintextPieceRoot must be 64 lowercase hex digits`);
  const ck = Buffer.from(item.contentKey.buffer, item.contentKey.byteOffset, item.contentKey.byteLength);
  const rootJson = root === null ? '' : `,"plaintextPieceRoot":"${root}"`;
  return `{"itemId":${JSON.stringify(item.itemId)},"contentKey":"${ck.toString('base64')}","plaintextSha256":"${item.plaintextSha256}"${rootJson}}`;
}

/** `{"itemId":…,"first":…,"keys":…}`: one preview payload item, serialised. */
export function pieceKeyItemJson(item: PieceKeyItem): string {
  validatePieceRange(item.itemId, item.first, item.keys.byteLength, 'BAD_KEY_SET');
  const keys = Buffer.from(item.keys.buffer, item.keys.byteOffset, item.keys.byteLength);
  return `{"itemId":${JSON.stringify(item.itemId)},"first":${item.first},"keys":"${keys.toString('base64')}"}`;
}

/** The payload around already serialised items (as chunks, so cached item fragments are not copied). */
export function keySetPayload(licenseId: string, itemsJson: readonly (string | Buffer)[]): Buffer[] {
  const chunks: Buffer[] = [Buffer.from(`{"v":${KEY_SET_VERSION},"licenseId":${JSON.stringify(licenseId)},"items":[`)];
  itemsJson.forEach((item, i) => {
    if (i > 0) chunks.push(COMMA);
    chunks.push(typeof item === 'string' ? Buffer.from(item, 'utf8') : item);
  });
  chunks.push(ITEMS_END);
  return chunks;
}
const COMMA = Buffer.from(',');
const ITEMS_END = Buffer.from(']}');

/** Seals the content keys of a license's items to one of its devices. */
export function sealContentKeys(
  devicePublicKey: PublicKeyInput,
  deviceId: string,
  licenseId: string,
  items: readonly ContentKeyItem[],
  options?: SealOptions,
): SealedKeySet {
  if (licenseId === PREVIEW_LICENSE_ID)
    throw new CryptoError('BAD_KEY_SET', 'content keys are never sealed under licenseId "preview"');
  const payload = keySetPayload(licenseId, items.map(contentKeyItemJson));
  return sealPayload(devicePublicKey, licenseId, deviceId, payload, options);
}

/** Seals preview piece keys (licenseId and deviceId "preview"). */
export function sealPreviewKeys(
  devicePublicKey: PublicKeyInput,
  items: readonly PieceKeyItem[],
  options?: SealOptions,
): SealedKeySet {
  const payload = keySetPayload(PREVIEW_LICENSE_ID, items.map(pieceKeyItemJson));
  return sealPayload(devicePublicKey, PREVIEW_LICENSE_ID, PREVIEW_DEVICE_ID, payload, options);
}

/** Opens a license delivery: the content key, plaintext SHA-256 and (when sealed) piece root of every locked item. */
export function openContentKeys(
  devicePrivateKey: PrivateKeyInput,
  deviceId: string,
  sealed: SealedKeySet,
  licenseId: string,
): OpenedContentKey[] {
  const items = parsePayload(openPayload(devicePrivateKey, deviceId, sealed, licenseId), licenseId);
  return items.map((raw, n) => {
    const it = raw as {
      itemId?: unknown;
      contentKey?: unknown;
      plaintextSha256?: unknown;
      plaintextPieceRoot?: unknown;
    };
    if (
      typeof it.contentKey !== 'string' ||
      !BASE64.test(it.contentKey) ||
      typeof it.plaintextSha256 !== 'string' ||
      !SHA256_HEX.test(it.plaintextSha256)
    )
      throw new CryptoError('OPEN_FAILED', `sealed key set item ${n} is not a content key item`);
    if (
      it.plaintextPieceRoot !== undefined &&
      (typeof it.plaintextPieceRoot !== 'string' || !SHA256_HEX.test(it.plaintextPieceRoot))
    )
      throw new CryptoError(
        'OPEN_FAILED',
        `sealed key set item ${n}: plaintextPieceRoot must be 64 lowercase hex digits`,
      );
    validateItemId(it.itemId, 'OPEN_FAILED');
    const contentKey = Buffer.from(it.contentKey, 'base64');
    if (contentKey.length !== 32)
      throw new CryptoError(
        'OPEN_FAILED',
        `sealed key set item ${n}: content key is ${contentKey.length} bytes, not 32`,
      );
    const opened: OpenedContentKey = { itemId: it.itemId, contentKey, plaintextSha256: it.plaintextSha256 };
    if (it.plaintextPieceRoot !== undefined) opened.plaintextPieceRoot = it.plaintextPieceRoot;
    return opened;
  });
}

/** Opens a preview delivery: piece keys from `first` per item. */
export function openPreviewKeys(devicePrivateKey: PrivateKeyInput, sealed: SealedKeySet): OpenedPieceKeys[] {
  const payload = openPayload(devicePrivateKey, PREVIEW_DEVICE_ID, sealed, PREVIEW_LICENSE_ID);
  return parsePayload(payload, PREVIEW_LICENSE_ID).map((raw, n) => {
    const it = raw as { itemId?: unknown; first?: unknown; keys?: unknown };
    if (typeof it.keys !== 'string' || !BASE64.test(it.keys))
      throw new CryptoError('OPEN_FAILED', `sealed key set item ${n} is not a piece key item`);
    const keys = Buffer.from(it.keys, 'base64');
    validatePieceRange(it.itemId, it.first, keys.length, 'OPEN_FAILED');
    const first = it.first as number;
    return { itemId: it.itemId as string, first, last: first + keys.length / PIECE_KEY_BYTES - 1, keys };
  });
}

function parsePayload(payload: Buffer, licenseId: string): object[] {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new CryptoError('OPEN_FAILED', 'sealed key set payload is not JSON', { cause: err });
  }
  const p = doc as { v?: unknown; licenseId?: unknown; items?: unknown } | null;
  if (typeof p !== 'object' || p === null || p.v !== KEY_SET_VERSION)
    throw new CryptoError(
      'OPEN_FAILED',
      `sealed key set payload version must be ${KEY_SET_VERSION}, got ${JSON.stringify(p?.v)}`,
    );
  if (p.licenseId !== licenseId)
    throw new CryptoError(
      'OPEN_FAILED',
      `sealed key set is for license ${JSON.stringify(p.licenseId)}, expected ${JSON.stringify(licenseId)}`,
    );
  if (!Array.isArray(p.items)) throw new CryptoError('OPEN_FAILED', 'sealed key set payload has no items array');
  p.items.forEach((it: unknown, n) => {
    if (typeof it !== 'object' || it === null)
      throw new CryptoError('OPEN_FAILED', `sealed key set item ${n} is malformed`);
  });
  return p.items as object[];
}

function validateItemId(itemId: unknown, code: 'BAD_KEY_SET' | 'OPEN_FAILED'): asserts itemId is string {
  if (typeof itemId !== 'string' || itemId === '') throw new CryptoError(code, 'key set item needs a non-empty itemId');
}

function validatePieceRange(
  itemId: unknown,
  first: unknown,
  keyBytes: number,
  code: 'BAD_KEY_SET' | 'OPEN_FAILED',
): void {
  validateItemId(itemId, code);
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0)
    throw new CryptoError(code, `key set item ${itemId}: first must be a non-negative integer, got ${String(first)}`);
  if (keyBytes === 0 || keyBytes % PIECE_KEY_BYTES !== 0)
    throw new CryptoError(
      code,
      `key set item ${itemId}: keys must be a non-empty multiple of ${PIECE_KEY_BYTES} bytes, got ${keyBytes}`,
    );
  if (first + keyBytes / PIECE_KEY_BYTES - 1 > MAX_PIECE_INDEX)
    throw new CryptoError(code, `key set item ${itemId}: piece range passes ${MAX_PIECE_INDEX}`);
}
