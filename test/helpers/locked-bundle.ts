import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { derivePieceKeys, encryptPieceInPlace, generateContentKey, keyCheckValue, pieceKeyAt } from '@keyseed/crypto';
import { buildTorrent, hashFileBuffer, parseTorrent, type ParsedTorrent } from '@keyseed/torrent';
import { buildManifest } from '../../apps/worker/src/publish/manifest';

export interface LockedFixtureItem {
  id: string;
  path: string;
  locked: boolean;
  plaintext: Buffer;
  /** Content key (locked items). */
  contentKey: Buffer;
  /** All piece keys K_0 ‖ … (locked items). */
  keys: Buffer;
  sha256: string;
  previewPieces: number;
}

export interface LockedFixture {
  /** Folder holding `<slug>/…` as a BitTorrent client leaves it. */
  parentDir: string;
  root: string;
  slug: string;
  bundleId: string;
  pieceLength: number;
  items: LockedFixtureItem[];
  torrentFile: string;
  torrent: ParsedTorrent;
}

/**
 * A published bundle made without the platform: locked items encrypted piece by piece with
 * @keyseed/crypto (docs/key-scheme.md), `keyseed.json` as the publish job writes it, and the hybrid torrent
 * over the ciphertext (pads after every unaligned file).
 */
export function makeLockedBundle(
  opts: {
    pieceLength?: number;
    items?: { path: string; size: number; locked?: boolean; previewPieces?: number }[];
    api?: string;
  } = {},
): LockedFixture {
  const pieceLength = opts.pieceLength ?? 16 * 1024;
  const slug = `fixture-${randomUUID().slice(0, 8)}`;
  const bundleId = randomUUID();
  const parentDir = mkdtempSync(join(tmpdir(), 'ks-locked-'));
  const root = join(parentDir, slug);
  const specs = opts.items ?? [
    { path: 'film.mkv', size: 3 * pieceLength + 1234, previewPieces: 1 },
    { path: 'extras/trailer.mp4', size: 5000, locked: false },
  ];
  const items: LockedFixtureItem[] = specs.map((s) => {
    const plaintext = randomBytes(s.size);
    const locked = s.locked !== false;
    const contentKey = generateContentKey();
    const count = Math.max(1, Math.ceil(s.size / pieceLength));
    return {
      id: randomUUID(),
      path: s.path,
      locked,
      plaintext,
      contentKey,
      keys: locked ? derivePieceKeys(contentKey, 0, count - 1) : Buffer.alloc(0),
      sha256: createHash('sha256').update(plaintext).digest('hex'),
      previewPieces: s.previewPieces ?? 0,
    };
  });
  const files = new Map<string, Buffer>();
  for (const it of items) {
    if (!it.locked) {
      files.set(it.path, it.plaintext);
      continue;
    }
    const ct = Buffer.from(it.plaintext);
    for (let i = 0; i * pieceLength < ct.length; i++)
      encryptPieceInPlace(
        pieceKeyAt(it.keys, 0, i),
        ct.subarray(i * pieceLength, Math.min(ct.length, (i + 1) * pieceLength)),
      );
    files.set(`${it.path}.locked`, ct);
  }
  const manifest = buildManifest({
    bundleId,
    slug,
    title: `Fixture ${slug}`,
    apiBaseUrl: opts.api ?? 'http://127.0.0.1:9',
    pieceLength,
    items: items.map((i) => ({
      id: i.id,
      path: i.path,
      locked: i.locked,
      size: i.plaintext.length,
      kcvHex: i.locked ? keyCheckValue(i.contentKey) : null,
      previewPieces: i.previewPieces,
    })),
  });
  files.set('keyseed.json', manifest);
  for (const [rel, body] of files) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), body);
  }
  const built = buildTorrent({
    name: slug,
    files: [...files].map(([path, body]) => ({ path, hashes: hashFileBuffer(body, pieceLength) })),
    announce: [`${opts.api ?? 'http://127.0.0.1:9'}/announce`],
  });
  const torrentFile = join(parentDir, `${slug}.torrent`);
  writeFileSync(torrentFile, built.torrent);
  return { parentDir, root, slug, bundleId, pieceLength, items, torrentFile, torrent: parseTorrent(built.torrent) };
}
