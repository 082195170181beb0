import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  derivePieceKeys,
  keyCheckValue,
  openContentKeys,
  openPreviewKeys,
  type OpenedContentKey,
  type OpenedPieceKeys,
  type SealedKeySet,
} from '@keyseed/crypto';
import { parseTorrent, type ParsedTorrent } from '@keyseed/torrent';
import { ApiError, NotReleasedError, type LicenseView } from '../../api-client';
import { CliError, ExitCode } from '../../cli-error';
import { ProgressBar } from '../../torrent/progress';
import { describePrice } from '../price';
import { openSession, requireLogin, type Session } from '../session';
import type { DeviceState } from '../config-store';
import { findBundleRoot, type BundleManifest, type ManifestItem } from './manifest';
import { filePieceHashes } from './piece-hashes';
import { sha256File, unlockItem, type UnlockItemResult } from './unlock-item';

export interface UnlockOptions {
  out?: string;
  preview?: boolean;
  api?: string;
  /** Messages for the user (stderr by default). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface UnlockSummary {
  root: string;
  outDir: string;
  manifest: BundleManifest;
  results: UnlockItemResult[];
  /** Where the ciphertext piece hashes came from. */
  hashesFrom: string | null;
}

/**
 * `keyseed unlock`: finds the bundle in `dir`, gets this device's keys (registering it with the
 * buyer's license when needed) and decrypts every `.locked` file next to it (or into `--out`).
 */
export async function unlockBundle(dir: string, opts: UnlockOptions = {}): Promise<UnlockSummary> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { root, manifest } = findBundleRoot(resolve(dir));
  const outDir = resolve(opts.out ?? root);
  const lockedItems = manifest.items.filter((i) => i.locked);
  const results: UnlockItemResult[] = [];

  await copyFreeItems(manifest, root, outDir);

  // Idempotent and offline when there is nothing left to do.
  const pending: ManifestItem[] = [];
  for (const item of lockedItems) {
    if (!opts.preview && (await alreadyUnlocked(item, join(outDir, item.path)))) {
      results.push({
        path: item.path,
        outPath: join(outDir, item.path),
        status: 'already-unlocked',
        bytes: 0,
        piecesVerified: 0,
        ms: 0,
      });
    } else pending.push(item);
  }
  if (pending.length === 0) return { root, outDir, manifest, results, hashesFrom: null };

  const session = openSession({ api: opts.api, fallbackApi: manifest.api }, opts.env);
  const torrent = await findTorrent(session, root, manifest, log);
  const pieceLength = torrent?.torrent.pieceLength ?? manifest.pieceLength;
  if (!pieceLength)
    throw new CliError(
      `cannot tell ${manifest.slug}'s piece length: no .torrent next to the files and the API did not serve one`,
      ExitCode.ApiUnreachable,
    );

  const device = session.store.device();
  const preview = Boolean(opts.preview);
  const license = await findLicense(session, manifest, preview);
  const keys: DeliveredKeys[] = license
    ? await licenseKeys(session, device, license)
    : await previewKeys(session, device, manifest);
  const keyOf = matchKeys(manifest, pending, keys);
  if (!preview) {
    const missing = pending.find((item) => !keyOf.has(item));
    if (missing) throw new CliError(`the API delivered no keys for ${missing.path}`, ExitCode.Failure);
  }
  assertKeyChecks(keyOf);

  for (const item of pending) {
    const k = keyOf.get(item);
    if (!k) continue;
    const outPath = join(outDir, item.path);
    await mkdir(dirname(outPath), { recursive: true });
    const full = 'contentKey' in k;
    const count = Math.ceil(item.size / pieceLength);
    const bar = new ProgressBar(item.path, full ? item.size : Math.min(item.size, (k.last + 1) * pieceLength));
    try {
      const r = await unlockItem({
        path: item.path,
        lockedPath: join(root, item.torrentPath),
        outPath,
        size: item.size,
        sha256: full ? k.plaintextSha256 : item.sha256,
        pieceLength,
        keys: full
          ? { first: 0, keys: count > 0 ? derivePieceKeys(k.contentKey, 0, count - 1) : Buffer.alloc(0) }
          : { first: k.first, keys: k.keys },
        pieceHashes: torrent ? filePieceHashes(torrent.torrent, item.torrentPath, item.size) : null,
        mode: full ? 'full' : 'preview',
        onProgress: bar.tick,
      });
      results.push(r);
    } finally {
      bar.finish();
    }
  }
  return { root, outDir, manifest, results, hashesFrom: torrent?.from ?? null };
}

async function alreadyUnlocked(item: ManifestItem, outPath: string): Promise<boolean> {
  if (!item.sha256) return false;
  const s = await stat(outPath).catch(() => null);
  return Boolean(s?.isFile() && s.size === item.size && (await sha256File(outPath)) === item.sha256);
}

/** With `--out`, free items (trailer, poster) are copied too, so the output folder is the whole film. */
async function copyFreeItems(manifest: BundleManifest, root: string, outDir: string): Promise<void> {
  if (outDir === root) return;
  for (const item of manifest.items.filter((i) => !i.locked)) {
    const src = join(root, item.path);
    const dst = join(outDir, item.path);
    const s = await stat(src).catch(() => null);
    if (!s || s.size !== item.size) continue;
    const d = await stat(dst).catch(() => null);
    if (d && d.size === item.size) continue;
    await mkdir(dirname(dst), { recursive: true });
    await copyFile(src, `${dst}.keyseed-partial`);
    await rename(`${dst}.keyseed-partial`, dst);
  }
}

/** A .torrent of this bundle next to the files (or one level up), else the hybrid one from the API. */
async function findTorrent(
  session: Session,
  root: string,
  manifest: BundleManifest,
  log: (l: string) => void,
): Promise<{ torrent: ParsedTorrent; from: string } | null> {
  const candidates: string[] = [];
  for (const d of [root, dirname(root)]) {
    try {
      for (const f of readdirSync(d)) if (f.endsWith('.torrent')) candidates.push(join(d, f));
    } catch {
      /* unreadable: skip */
    }
  }
  const usable = (t: ParsedTorrent) =>
    t.name === manifest.slug &&
    manifest.items.filter((i) => i.locked).every((i) => filePieceHashes(t, i.torrentPath, i.size) !== null);
  for (const path of candidates) {
    try {
      const t = parseTorrent(readFileSync(path));
      if (usable(t)) return { torrent: t, from: path };
    } catch {
      /* not a torrent we can use */
    }
  }
  try {
    const t = parseTorrent(await session.api.catalogTorrent(manifest.slug, 'hybrid'));
    if (t.name === manifest.slug)
      return { torrent: t, from: `${session.api.base}/v1/catalog/${manifest.slug}/torrent` };
  } catch (err) {
    if (err instanceof CliError && err.exitCode === ExitCode.ApiUnreachable) throw err;
    log(
      `warning: no usable .torrent for ${manifest.slug} (${(err as Error).message}); pieces are checked against the manifest's SHA-256 only`,
    );
  }
  return null;
}

/**
 * The buyer's license for this bundle. No license: with `allowNone` null (preview), else NoLicense
 * with the price and the buy command; only revoked/suspended ones: LicenseRevoked.
 */
async function findLicense(
  session: Session,
  manifest: BundleManifest,
  allowNone: boolean,
): Promise<LicenseView | null> {
  if (!session.loggedIn) {
    if (allowNone) return null;
    throw await noLicense(session, manifest, `you are not logged in to ${session.api.base}`);
  }
  const mine = (await session.api.licenses()).filter((l) => l.bundle.id === manifest.bundleId);
  const active = mine.find((l) => l.status === 'ACTIVE');
  if (active) return active;
  if (allowNone) return null;
  const other = mine[0];
  if (other) {
    const why = other.statusReason ? ` (${other.statusReason})` : '';
    const what =
      other.status === 'SUSPENDED'
        ? 'is suspended while a payment dispute is open'
        : 'was revoked (the order was refunded or the license withdrawn)';
    throw new CliError(
      `your license for "${manifest.title}" ${what}${why}; no keys can be delivered for it. \`keyseed buy ${manifest.slug}\` buys it again`,
      ExitCode.LicenseRevoked,
    );
  }
  throw await noLicense(session, manifest, 'you have no license for it');
}

async function noLicense(session: Session, manifest: BundleManifest, why: string): Promise<CliError> {
  let price: string | null = null;
  try {
    price = describePrice((await session.api.catalogBundle(manifest.slug)).price);
  } catch {
    /* the message still helps without the price */
  }
  const login = session.loggedIn ? '' : `\`keyseed login --api ${session.api.base}\`, then `;
  const cost = price ? `It costs ${price}: ` : 'It is not for sale right now; when it is: ';
  return new CliError(
    `"${manifest.title}" is locked and ${why}. ${cost}${login}\`keyseed buy ${manifest.slug}\` (or \`keyseed get ${manifest.slug}\`). \`keyseed unlock --preview\` unlocks the free preview, if any`,
    ExitCode.NoLicense,
  );
}

/** A license delivery's content key of an item, or a preview's piece keys. */
type DeliveredKeys = OpenedContentKey | OpenedPieceKeys;

/**
 * Every delivered content key must match the key-check value keyseed.json publishes for its item,
 * checked for all items before anything is decrypted or written.
 */
function assertKeyChecks(keyOf: Map<ManifestItem, DeliveredKeys>): void {
  for (const [item, k] of keyOf) {
    if (!('contentKey' in k) || !item.kcvHex) continue;
    const got = keyCheckValue(k.contentKey);
    if (got !== item.kcvHex)
      throw new CliError(
        `the key delivered for ${item.path} does not match this download (key-check value ${got}, keyseed.json says ${item.kcvHex}): the bundle was published again since this copy was made, or keyseed.json was altered; download it again. Nothing was written`,
        ExitCode.CorruptData,
      );
  }
}

async function licenseKeys(session: Session, device: DeviceState, license: LicenseView): Promise<DeliveredKeys[]> {
  requireLogin(session);
  for (let attempt = 0; ; attempt++) {
    const deviceId = await ensureDevice(session, device, license);
    let sealed: SealedKeySet;
    try {
      sealed = await session.api.keys(license.id, deviceId);
    } catch (err) {
      if (
        err instanceof ApiError &&
        (err.status === 403 || err.status === 404) &&
        /device/i.test(err.serverMessage) &&
        attempt === 0
      ) {
        delete device.devices[license.id]; // removed or unknown on the server: register again
        session.store.saveDevice(device);
        continue;
      }
      throw refineLicenseError(err, license);
    }
    return openContentKeys(device.privateKey, deviceId, sealed, license.id);
  }
}

async function ensureDevice(session: Session, device: DeviceState, license: LicenseView): Promise<string> {
  const known = device.devices[license.id];
  if (known) return known;
  try {
    const registered = await session.api.registerDevice(license.id, device.publicKey, device.name);
    device.devices[license.id] = registered.id;
    session.store.saveDevice(device);
    return registered.id;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      throw new CliError(
        `this device cannot be added to your license for "${license.bundle.title}": ${err.serverMessage || 'too many devices'}. Remove one of its devices (DELETE /v1/licenses/${license.id}/devices/<id>) and retry`,
        ExitCode.TooManyDevices,
      );
    }
    throw refineLicenseError(err, license);
  }
}

function refineLicenseError(err: unknown, license: LicenseView): unknown {
  if (err instanceof NotReleasedError) {
    return new NotReleasedError(
      `"${license.bundle.title}" premieres at ${err.releaseAt.toISOString()} (${untilText(err.releaseAt)}): your license is active and the download can be finished now; run \`keyseed unlock\` again from then on`,
      err.releaseAt,
    );
  }
  if (
    err instanceof ApiError &&
    err.status === 403 &&
    /revok|suspend|refund|not active|dispute/i.test(err.serverMessage)
  ) {
    return new CliError(
      `your license for "${license.bundle.title}" is no longer active: ${err.serverMessage}`,
      ExitCode.LicenseRevoked,
    );
  }
  if (err instanceof ApiError && err.status === 410)
    return new CliError(`"${license.bundle.title}" was taken down: ${err.serverMessage}`, ExitCode.LicenseRevoked);
  return err;
}

async function previewKeys(session: Session, device: DeviceState, manifest: BundleManifest): Promise<DeliveredKeys[]> {
  if (!manifest.items.some((i) => i.locked && i.previewPieces > 0)) {
    throw await noLicense(session, manifest, 'has no free preview');
  }
  try {
    const sealed = await session.api.previewKeys(manifest.bundleId, device.publicKey);
    return openPreviewKeys(device.privateKey, sealed);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw await noLicense(session, manifest, 'has no free preview');
    throw err;
  }
}

/** "in 2 h 5 min" / "now" */
export function untilText(at: Date, now = Date.now()): string {
  const s = Math.max(0, Math.ceil((at.getTime() - now) / 1000));
  if (s === 0) return 'now';
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts =
    d > 0 ? [`${d} d`, `${h} h`] : h > 0 ? [`${h} h`, `${m} min`] : m > 0 ? [`${m} min`, `${s % 60} s`] : [`${s} s`];
  return `in ${parts.join(' ')}`;
}

/** Pairs manifest items with delivered key ranges: by item id, else (older manifests) by order of the locked items. */
function matchKeys(
  manifest: BundleManifest,
  pending: ManifestItem[],
  keys: DeliveredKeys[],
): Map<ManifestItem, DeliveredKeys> {
  const out = new Map<ManifestItem, DeliveredKeys>();
  const byId = new Map(keys.map((k) => [k.itemId, k]));
  const locked = manifest.items.filter((i) => i.locked);
  for (const item of pending) {
    const k = item.id ? byId.get(item.id) : keys.length === locked.length ? keys[locked.indexOf(item)] : undefined;
    if (k) out.set(item, k);
  }
  return out;
}
