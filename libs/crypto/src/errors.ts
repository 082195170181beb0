/** What went wrong, in a form a caller can map to a response or an exit code. */
export type CryptoErrorCode =
  | 'KEK_CONFIG' // KEYSEED_KEK (or the dev KEK file) is missing or malformed
  | 'UNKNOWN_KEK' // a wrapped key names a KEK id that is not configured
  | 'UNWRAP_FAILED' // wrong KEK, wrong item id, or tampered wrapped key
  | 'BAD_KEY' // a key or nonce of the wrong length or form
  | 'BAD_PUBLIC_KEY' // a device public key that is malformed or unsafe (low order)
  | 'BAD_PRIVATE_KEY' // a device private key that cannot be imported
  | 'BAD_KEY_SET' // a key set that cannot be sealed (bad ranges, bad ids)
  | 'OPEN_FAILED'; // a sealed key set that does not open (wrong device/license, tampered, malformed)

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
