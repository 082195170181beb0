import type { DeviceStore } from './device-store';
import { UnlockError } from './errors';
import { licenseError, licenseKeys, type ApiFetch } from './keys-client';
import { parseManifest, type BundleManifest } from './manifest';
import { assertKeyCheckValue } from './piece-keys';
import { pageHash } from './page-hash';
import { pageUnlock } from './page-unlock';
import { fileSource, type LockedFile } from './piece-reader';
import { pieceRootOfFile, PieceRootCheck } from './piece-root';
import { fileHashes } from './torrent-hashes';
import { spanLoader, writeVerifiedPlaintext } from './verified-plaintext';

/**
 * "Unlock files I downloaded with my BitTorrent client": the user picks the folder, the page finds
 * `keyseed.json` in it (or in its one subfolder named like the torrent), fetches this browser's keys
 * for the bundle and decrypts every `.locked` file next to it, as `keyseed unlock` does: each
 * ciphertext piece checked against the torrent, each output against the key delivery's plaintext
 * piece root (or, for items ingested before it, the plaintext SHA-256), written
 * under `<path>.keyseed-partial` and renamed only once verified. Outputs already verified are skipped.
 */
export interface FolderItemResult {
  path: string;
  status: 'unlocked' | 'already-unlocked';
  bytes: number;
}

export interface FolderProgress {
  path: string;
  bytes: number;
  total: number;
}

const MANIFEST = 'keyseed.json';
const PARTIAL = '.keyseed-partial';

interface DirectoryPicker {
  showDirectoryPicker?: (opts?: { mode?: 'read' | 'readwrite' }) => Promise<FileSystemDirectoryHandle>;
}

/** Asks for the folder (needs the click's user gesture): call it first in the click handler. */
export async function pickBundleFolder(): Promise<FileSystemDirectoryHandle> {
  const picker = (globalThis as DirectoryPicker).showDirectoryPicker;
  if (!picker)
    throw new UnlockError(
      'UNSUPPORTED_BROWSER',
      'this browser cannot open folders (no File System Access API); use Chrome or Edge, or `keyseed unlock <folder>`',
    );
  try {
    return await picker({ mode: 'readwrite' });
  } catch (err) {
    throw new UnlockError('ABORTED', 'no folder was chosen', {}, { cause: err });
  }
}

export async function unlockFolder(
  dir: FileSystemDirectoryHandle,
  api: ApiFetch,
  devices: DeviceStore,
  onProgress: (p: FolderProgress) => void = () => undefined,
): Promise<{ manifest: BundleManifest; results: FolderItemResult[] }> {
  const { root, manifest } = await findBundle(dir);
  const license = await activeLicense(api, manifest);
  const locked = manifest.items.filter((i) => i.locked && i.id);
  const keys = await licenseKeys(
    api,
    devices,
    license.id,
    locked.map((i) => i.id!),
  );
  const torrent = await bundleTorrent(root, dir, manifest);
  const results: FolderItemResult[] = [];
  for (const item of locked) {
    const k = keys.get(item.id!);
    const plaintextSha256 = k?.plaintextSha256 ?? item.plaintextSha256;
    if (!k || !plaintextSha256) throw new UnlockError('API_ERROR', `the platform delivered no keys for ${item.path}`);
    const target = await parentOf(root, item.path, true);
    const name = item.path.split('/').pop()!;
    const hashes = fileHashes(torrent, item.torrentPath);
    const expected: Expected = k.plaintextPieceRoot
      ? { pieceRoot: k.plaintextPieceRoot, pieceLength: hashes.pieceLength }
      : { sha256: plaintextSha256 };
    if (await alreadyUnlocked(target, name, item.size, expected)) {
      results.push({ path: item.path, status: 'already-unlocked', bytes: 0 });
      continue;
    }
    if (item.kcv && k.keys.kind === 'content') await assertKeyCheckValue(k.keys.contentKey, item.kcv, item.path);
    const lockedFile = await fileAt(root, item.torrentPath);
    if (!lockedFile)
      throw new UnlockError('MISSING_FILE', `${item.torrentPath} is missing: let your BitTorrent client finish it`, {
        path: item.path,
      });
    if (lockedFile.size !== item.size)
      throw new UnlockError(
        'MISSING_FILE',
        `${item.torrentPath} is ${lockedFile.size} bytes, the bundle says ${item.size}: the download is incomplete or altered; let your BitTorrent client finish (or re-check) it`,
        { path: item.path },
      );
    const file: LockedFile = {
      path: item.path,
      hashes,
      keys: k.keys,
      source: fileSource(lockedFile),
    };
    await writeVerified(target, name, file, expected, (bytes, total) => onProgress({ path: item.path, bytes, total }));
    results.push({ path: item.path, status: 'unlocked', bytes: item.size });
  }
  return { manifest, results };
}

/** What an output is checked against: the key delivery's piece root, else the plaintext SHA-256. */
type Expected = { pieceRoot: string; pieceLength: number } | { sha256: string };

/** Writes `<name>.keyseed-partial`, then renames it to `name`; on any failure removes only the partial. */
async function writeVerified(
  dir: FileSystemDirectoryHandle,
  name: string,
  file: LockedFile,
  expected: Expected,
  onProgress: (bytes: number, total: number) => void,
): Promise<void> {
  const partial = await dir.getFileHandle(name + PARTIAL, { create: true });
  const out = await partial.createWritable({ keepExistingData: false });
  const rootCheck =
    'pieceRoot' in expected ? new PieceRootCheck(file.path, file.hashes.pieceCount, expected.pieceRoot) : null;
  const decrypting = pageUnlock(file, rootCheck?.add);
  const stop = new AbortController();
  try {
    await writeVerifiedPlaintext(
      { ...file.hashes, path: file.path },
      spanLoader(file.hashes, file.source, decrypting.unlock, stop.signal),
      rootCheck ?? (expected as { sha256: string }).sha256,
      (data) => out.write(data),
      onProgress,
      pageHash,
    );
    await out.close();
  } catch (err) {
    await out.abort().catch(() => undefined);
    await dir.removeEntry(name + PARTIAL).catch(() => undefined);
    throw err;
  } finally {
    stop.abort();
    decrypting.close();
  }
  const movable = partial as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
  if (movable.move) {
    await dir.removeEntry(name).catch(() => undefined);
    await movable.move(name);
  } else {
    // No rename in this browser: copy the verified partial into place (its writable commits on close).
    const final = await dir.getFileHandle(name, { create: true });
    const w = await final.createWritable();
    await (await partial.getFile()).stream().pipeTo(w);
    await dir.removeEntry(name + PARTIAL);
  }
}

async function alreadyUnlocked(
  dir: FileSystemDirectoryHandle,
  name: string,
  size: number,
  expected: Expected,
): Promise<boolean> {
  const file = await dir
    .getFileHandle(name)
    .then((h) => h.getFile())
    .catch(() => null);
  if (!file || file.size !== size) return false;
  if ('pieceRoot' in expected) return (await pieceRootOfFile(file, expected.pieceLength)) === expected.pieceRoot;
  const sha = expected.sha256;
  const hash = await pageHash();
  try {
    const reader = file.stream().getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) await hash.update(r.value);
    return (await hash.digestHex()) === sha;
  } finally {
    hash.close();
  }
}

async function findBundle(
  dir: FileSystemDirectoryHandle,
): Promise<{ root: FileSystemDirectoryHandle; manifest: BundleManifest }> {
  const candidates: FileSystemDirectoryHandle[] = [dir];
  for await (const entry of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values())
    if (entry.kind === 'directory') candidates.push(entry as FileSystemDirectoryHandle);
  for (const root of candidates) {
    const file = await fileAt(root, MANIFEST);
    if (file) return { root, manifest: parseManifest(await file.text()) };
  }
  throw new UnlockError(
    'MISSING_FILE',
    `no ${MANIFEST} in "${dir.name}" or its subfolders: pick the folder your BitTorrent client downloaded the bundle to`,
  );
}

async function activeLicense(api: ApiFetch, manifest: BundleManifest): Promise<{ id: string }> {
  let res: Response;
  try {
    res = await api('/licenses');
  } catch (err) {
    throw new UnlockError(
      'API_UNREACHABLE',
      `the platform did not answer (${(err as Error).message})`,
      {},
      { cause: err },
    );
  }
  if (!res.ok) throw licenseError(res.status, `HTTP ${res.status}`);
  const mine = (
    (await res.json()) as { id: string; status: string; statusReason: string | null; bundle: { id: string } }[]
  ).filter((l) => l.bundle.id === manifest.bundleId);
  const active = mine.find((l) => l.status === 'ACTIVE');
  if (active) return active;
  if (mine[0])
    throw licenseError(
      403,
      `${mine[0].status === 'SUSPENDED' ? 'suspended' : 'revoked'}${mine[0].statusReason ? ` (${mine[0].statusReason})` : ''}`,
    );
  throw new UnlockError(
    'NO_LICENSE',
    `you have no license for "${manifest.title}": buy it first, then unlock the folder`,
  );
}

/** The bundle's .torrent: one next to the files (named like the bundle), else the platform's. */
async function bundleTorrent(
  root: FileSystemDirectoryHandle,
  picked: FileSystemDirectoryHandle,
  m: BundleManifest,
): Promise<Uint8Array> {
  for (const dir of root === picked ? [root] : [root, picked]) {
    const file = await fileAt(dir, `${m.slug}.torrent`);
    if (file) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      try {
        for (const item of m.items.filter((i) => i.locked)) fileHashes(bytes, item.torrentPath);
        return bytes;
      } catch {
        /* another bundle's or a broken .torrent: use the platform's */
      }
    }
  }
  const res = await fetch(`/v1/catalog/${encodeURIComponent(m.slug)}/torrent`).catch(() => null);
  if (!res?.ok)
    throw new UnlockError(
      'API_ERROR',
      `cannot get ${m.slug}'s .torrent to check the pieces (${res ? res.status : 'no answer'})`,
    );
  return new Uint8Array(await res.arrayBuffer());
}

async function fileAt(root: FileSystemDirectoryHandle, path: string): Promise<File | null> {
  try {
    const dir = await parentOf(root, path, false);
    return await (await dir.getFileHandle(path.split('/').pop()!)).getFile();
  } catch {
    return null;
  }
}

async function parentOf(
  root: FileSystemDirectoryHandle,
  path: string,
  create: boolean,
): Promise<FileSystemDirectoryHandle> {
  let dir = root;
  for (const part of path.split('/').slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create });
  return dir;
}
