// Public API of @keyseed/crypto: the key scheme of docs/key-scheme.md, pure functions over Buffers (Node `crypto` only).
export { CryptoError } from './errors';
export type { CryptoErrorCode } from './errors';

export { Keyring, KEK_BYTES, kekIdOf } from './keyring';
export type { Kek } from './keyring';
export { loadOrCreateDevKek } from './dev-kek';
export type { DevKek } from './dev-kek';

export {
  CONTENT_KEY_BYTES,
  WRAPPED_KEY_BYTES,
  WRAPPED_KEY_VERSION,
  generateContentKey,
  rewrapContentKey,
  unwrapContentKey,
  wrapContentKey,
} from './content-key';
export type { WrappedContentKey } from './content-key';

export {
  MAX_PIECE_INDEX,
  PIECE_KEY_BYTES,
  PIECE_KEY_INFO,
  derivePieceKey,
  derivePieceKeys,
  pieceKeyAt,
} from './piece-key';
export {
  PIECE_CIPHER_CHUNK,
  PieceCipher,
  decryptPieceInPlace,
  decryptPieceInto,
  encryptPieceInPlace,
  encryptPieceInto,
} from './piece-cipher';

export {
  X25519_KEY_BYTES,
  generateDeviceKeyPair,
  importDevicePrivateKey,
  importDevicePublicKey,
  importRegisteredDevicePublicKey,
} from './device-key';
export type { DeviceKeyPair, DevicePrivateKey, DevicePublicKey } from './device-key';
export {
  DELIVER_INFO,
  EphemeralKey,
  SEAL_ALG,
  deliveryAad,
  generateEphemeralKey,
  openPayload,
  sealPayload,
} from './sealed-delivery';
export type { SealOptions, SealedKeySet } from './sealed-delivery';
export { EphemeralKeyPool } from './ephemeral-key-pool';
export {
  KEY_SET_VERSION,
  PREVIEW_DEVICE_ID,
  PREVIEW_LICENSE_ID,
  contentKeyItemJson,
  keySetPayload,
  openContentKeys,
  openPreviewKeys,
  pieceKeyItemJson,
  sealContentKeys,
  sealPreviewKeys,
} from './key-set';
export type { ContentKeyItem, OpenedContentKey, OpenedPieceKeys, PieceKeyItem } from './key-set';
export { PIECE_DIGEST_BYTES, plaintextPieceRoot } from './piece-root';
export { KEY_CHECK_BYTES, KEY_CHECK_INFO, keyCheckValue } from './key-check';
export { lockedPlaintextDigests } from './locked-plaintext-digests';
export type { LockedPlaintextDigests } from './locked-plaintext-digests';
