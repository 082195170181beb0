import type { UnlockErrorData } from './errors';
import type { PieceKeySource } from './piece-keys';
import type { FileHashes } from './torrent-hashes';

/**
 * What the page and the unlock service worker say to each other. Keys travel only in `open`, by
 * postMessage (structured clone: a content key stays a non-extractable CryptoKey); the worker keeps
 * them in memory for as long as it runs and never stores or caches them.
 */
export const SW_URL = '/unlock-sw.js';
export const WATCH_PREFIX = '/unlock/watch/';
export const DOWNLOAD_PREFIX = '/unlock/download/';

export interface SessionSpec {
  id: string;
  /** Plaintext path of the item (messages, the downloaded file's name). */
  path: string;
  /** Webseed URL of its `.locked` file. */
  webseedUrl: string;
  contentType: string;
  hashes: FileHashes;
  keys: PieceKeySource;
  /** Hex SHA-256 of the plaintext (downloads are checked against it without a piece root); null for previews. */
  plaintextSha256: string | null;
  /** Hex plaintext piece root from the key delivery (downloads are checked against it when present). */
  plaintextPieceRoot: string | null;
}

/** Page → worker. `open` carries a MessagePort for the worker's reports on this session. */
export type ToWorker = { type: 'keyseed/open'; session: SessionSpec } | { type: 'keyseed/close'; id: string };

/** Worker → page, on the session's port. */
export type SessionReport =
  | { type: 'opened' }
  | { type: 'error'; error: UnlockErrorData }
  | { type: 'progress'; bytes: number; total: number }
  | { type: 'done'; bytes: number };

/** Worker → every window: the worker was restarted and lost this session's keys; send `open` again. */
export interface NeedSession {
  type: 'keyseed/need-session';
  id: string;
}

export function watchUrl(id: string, path: string): string {
  return `${WATCH_PREFIX}${encodeURIComponent(id)}/${encodeURIComponent(baseName(path))}`;
}

export function downloadUrl(id: string, path: string): string {
  return `${DOWNLOAD_PREFIX}${encodeURIComponent(id)}/${encodeURIComponent(baseName(path))}`;
}

/** The session id of a worker URL path, or null. */
export function sessionOf(pathname: string, prefix: string): string | null {
  if (!pathname.startsWith(prefix)) return null;
  const id = pathname.slice(prefix.length).split('/')[0];
  return id ? decodeURIComponent(id) : null;
}

export function baseName(path: string): string {
  return path.split('/').pop() || 'film';
}
