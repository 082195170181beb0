/**
 * What can go wrong while unlocking in the browser, typed so that pages show a clear message and a
 * way forward (not a console error). `message` is written for the buyer.
 */
export type UnlockErrorCode =
  | 'NOT_LOGGED_IN' // no session: log in (or watch the preview)
  | 'NO_LICENSE' // this account has no license for the bundle
  | 'LICENSE_REVOKED' // refunded or withdrawn
  | 'LICENSE_SUSPENDED' // a payment dispute is open
  | 'DEVICE_LIMIT' // the license has its maximum of devices
  | 'TAKEN_DOWN' // the bundle was taken down
  | 'NOT_RELEASED' // a premiere: keys are delivered from releaseAt on
  | 'NOT_READY' // the item is still being ingested
  | 'RATE_LIMITED' // too many key requests: wait a minute
  | 'NO_PREVIEW' // the item has no free preview pieces
  | 'API_UNREACHABLE' // the platform did not answer
  | 'API_ERROR' // any other refusal, with the API's reason
  | 'OPEN_FAILED' // the sealed keys did not open for this device
  | 'WRONG_KEY' // the content key does not match the manifest's key-check value
  | 'CORRUPT_PIECE' // a ciphertext piece does not match the torrent's hashes
  | 'PLAINTEXT_MISMATCH' // the decrypted file's SHA-256 is not the one the key delivery carries
  | 'MISSING_FILE' // Unlock my folder: no keyseed.json or a .locked file is missing or incomplete
  | 'UNSUPPORTED_BROWSER' // no service worker, no WebCrypto, …
  | 'ABORTED'; // the user cancelled

export class UnlockError extends Error {
  override readonly name = 'UnlockError';
  constructor(
    readonly code: UnlockErrorCode,
    message: string,
    /** Extra facts a page may show: the bad piece, the API status, the license id. */
    readonly detail: { piece?: number; status?: number; path?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A piece whose ciphertext is not what the torrent says: named, so the buyer knows what failed. */
export function corruptPiece(path: string, piece: number, pieceLength: number): UnlockError {
  const from = piece * pieceLength;
  return new UnlockError(
    'CORRUPT_PIECE',
    `${path}: piece ${piece} (bytes ${from}–${from + pieceLength - 1}) does not match the torrent's hashes, so it was refused and not decrypted. The copy it came from is damaged; try again later or download with a BitTorrent client`,
    { piece, path },
  );
}

/** Errors crossing postMessage lose their class: this carries them as plain data and back. */
export interface UnlockErrorData {
  code: UnlockErrorCode;
  message: string;
  detail: UnlockError['detail'];
}

export function toErrorData(err: unknown): UnlockErrorData {
  if (err instanceof UnlockError) return { code: err.code, message: err.message, detail: err.detail };
  return { code: 'API_ERROR', message: err instanceof Error ? err.message : String(err), detail: {} };
}

export function fromErrorData(data: UnlockErrorData): UnlockError {
  return new UnlockError(data.code, data.message, data.detail);
}
