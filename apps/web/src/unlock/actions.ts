import { storedToken } from '../api/session-store';
import { indexedDbDeviceStore } from './device-store';
import { downloadLockedItem, type DownloadMethod } from './download';
import { UnlockError } from './errors';
import { prepareLockedItem } from './prepare-item';
import { pickBundleFolder, unlockFolder as unlockPickedFolder } from './unlock-folder';
import { unlockWorker } from './unlock-session';
import { sameOriginApi, watchLockedItem } from './watch';

/**
 * What the pages call. Every function throws UnlockError (an Error whose message says what happened
 * and what to do: device limit, revoked license, taken-down bundle, corrupt piece N…) and `code` for
 * pages that offer a specific way forward.
 */
export interface UnlockLicense {
  licenseId: string;
  bundleId: string;
  slug: string;
  title: string;
}

export interface UnlockTarget extends UnlockLicense {
  /** Plaintext path of the locked item. */
  path: string;
  torrentPath: string;
  size: number | null;
}

export interface PreviewTarget {
  slug: string;
  path: string;
}

const devices = indexedDbDeviceStore();
const api = sameOriginApi(storedToken);
const players = new WeakMap<HTMLVideoElement, { close(): void }>();

/**
 * Installs the unlock service worker before the first Watch (installing and taking control of the
 * page costs a few hundred milliseconds, which would otherwise come before the first frame). A
 * failure is not reported here: Watch meets it again and says what it means.
 */
export function prepareUnlockWorker(): void {
  unlockWorker().catch(() => undefined);
}

/**
 * Plays a locked item in `video`. Resolves once the first frames can play; rejects with the reason
 * when they cannot. Later failures (a corrupt piece after a seek) go to `onError`.
 */
export async function watchItem(
  target: UnlockTarget,
  video: HTMLVideoElement,
  onError: (err: UnlockError) => void = () => undefined,
): Promise<void> {
  const prepared = await prepareLockedItem({
    api,
    devices,
    slug: target.slug,
    path: target.path,
    license: { id: target.licenseId },
  });
  await play(video, (report) => watchLockedItem(video, prepared, report), onError);
}

/** Plays the free preview pieces of a locked item, for anyone (no account). */
export async function watchPreview(
  target: PreviewTarget,
  video: HTMLVideoElement,
  onError: (err: UnlockError) => void = () => undefined,
): Promise<void> {
  const prepared = await prepareLockedItem({ api, devices, slug: target.slug, path: target.path, license: 'preview' });
  await play(video, (report) => watchLockedItem(video, prepared, report), onError);
}

/** Saves the decrypted item (call from the click handler: the save dialog needs the gesture). */
export function downloadItem(
  target: UnlockTarget,
  onProgress: (doneBytes: number, totalBytes: number) => void,
): Promise<DownloadMethod> {
  return downloadLockedItem(
    target.path,
    () => prepareLockedItem({ api, devices, slug: target.slug, path: target.path, license: { id: target.licenseId } }),
    onProgress,
  );
}

/** Picks the folder a BitTorrent client downloaded the bundle to and unlocks every .locked file in it. */
export async function unlockFolder(target: UnlockLicense, onProgress: (message: string) => void): Promise<void> {
  const dir = await pickBundleFolder();
  const { manifest, results } = await unlockPickedFolder(dir, api, devices, (p) =>
    onProgress(`${p.path}: ${Math.floor((100 * p.bytes) / Math.max(1, p.total))} %`),
  );
  if (manifest.bundleId !== target.bundleId)
    onProgress(
      `note: this folder holds "${manifest.title}", not "${target.title}"; it was unlocked with your license for it`,
    );
  for (const r of results)
    onProgress(`${r.path}: ${r.status === 'unlocked' ? 'unlocked and verified' : 'already unlocked'}`);
}

/** Starts playback; resolves once the first frames can play, rejects with the worker's reason if they cannot. */
async function play(
  video: HTMLVideoElement,
  start: (report: (err: UnlockError) => void) => Promise<{ close(): void }>,
  onError: (err: UnlockError) => void,
): Promise<void> {
  players.get(video)?.close();
  let fail: (err: UnlockError) => void = onError;
  const started = new Promise<void>((resolve, reject) => {
    fail = (err) => reject(err);
    video.addEventListener('canplay', () => resolve(), { once: true });
  });
  video.preload = 'auto';
  const session = await start((err) => fail(err));
  players.set(video, session);
  // The click that got here allows playback; if the browser still refuses, the controls remain.
  void video.play().catch(() => undefined);
  try {
    await started;
  } finally {
    fail = onError;
  }
}
