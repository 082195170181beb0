import { UnlockError } from './errors';
import type { PreparedItem } from './prepare-item';
import { baseName } from './sw-protocol';
import { pageHash } from './page-hash';
import { pageUnlock } from './page-unlock';
import { webseedSource } from './piece-reader';
import { PieceRootCheck } from './piece-root';
import { downloadThroughWorker, openUnlockSession } from './unlock-session';
import { spanLoader, writeVerifiedPlaintext } from './verified-plaintext';

/** Chrome's File System Access API (typed here: TypeScript's DOM library does not have it yet). */
interface SaveFilePicker {
  showSaveFilePicker?: (opts?: { suggestedName?: string }) => Promise<FileSystemFileHandle>;
}

export type DownloadMethod = 'file-system-access' | 'service-worker';

/**
 * Saves the decrypted item to disk in constant memory, with progress. Where the browser has the File
 * System Access API, the user picks the file and the page writes it span by span (checked and
 * decrypted in span workers: span-unlock.ts); the browser writes to a swap file and replaces the
 * target only on close, which happens only once the plaintext matched the key delivery's piece root
 * (or, for items without one, its SHA-256), so a failed check leaves
 * whatever the user had. Elsewhere the unlock service worker
 * streams it as a download, failing the download (the browser drops the partial file) on a bad piece
 * or a wrong plaintext.
 *
 * Call it straight from the click handler: the save dialog needs the user's gesture, so it is
 * opened before `prepare` (keys, hashes) runs.
 */
export async function downloadLockedItem(
  path: string,
  prepare: () => Promise<PreparedItem>,
  onProgress: (bytes: number, total: number) => void = () => undefined,
): Promise<DownloadMethod> {
  const picker = (globalThis as SaveFilePicker).showSaveFilePicker;
  if (!picker) {
    const prepared = await prepare();
    const session = await openUnlockSession(prepared.spec);
    try {
      await downloadThroughWorker(session, onProgress);
    } finally {
      session.close();
    }
    return 'service-worker';
  }
  let handle: FileSystemFileHandle;
  try {
    handle = await picker({ suggestedName: baseName(path) });
  } catch (err) {
    throw new UnlockError('ABORTED', 'no file was chosen: nothing was saved', {}, { cause: err });
  }
  const { spec } = await prepare();
  if (!spec.plaintextSha256)
    throw new UnlockError('API_ERROR', `${path}: the key delivery has no SHA-256 to check the file against`);
  const out = await handle.createWritable();
  // With a piece root the span workers digest each piece and no whole-file SHA-256 runs (piece-root.ts).
  const rootCheck = spec.plaintextPieceRoot
    ? new PieceRootCheck(spec.path, spec.hashes.pieceCount, spec.plaintextPieceRoot)
    : null;
  const decrypting = pageUnlock({ path: spec.path, hashes: spec.hashes, keys: spec.keys }, rootCheck?.add);
  const stop = new AbortController();
  try {
    await writeVerifiedPlaintext(
      { ...spec.hashes, path: spec.path },
      spanLoader(spec.hashes, webseedSource(spec.webseedUrl), decrypting.unlock, stop.signal),
      rootCheck ?? spec.plaintextSha256,
      (data) => out.write(data),
      onProgress,
      pageHash,
    );
  } catch (err) {
    await out.abort().catch(() => undefined);
    throw err;
  } finally {
    stop.abort();
    decrypting.close();
  }
  await out.close();
  return 'file-system-access';
}
