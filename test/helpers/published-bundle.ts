import type { INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PrismaService } from '@keyseed/database';
import type { BundleStatus } from '@keyseed/database';
import { BLOB_STORE, BlobStore } from '@keyseed/storage';
import { legacyTorrentKey, manifestKey, publishedKey, torrentKey } from '@keyseed/storage/keys';

export const PYTHON = '/usr/bin/python3';
export const INTEROP_DIR = join(__dirname, '..', 'interop');

export interface FixtureItem {
  /** Plaintext path (locked items are published as `<path>.locked`). */
  path: string;
  locked: boolean;
  size: number;
}

export interface PublishedFixture {
  bundleId: string;
  slug: string;
  /** Folder holding `<slug>/…` exactly as the torrent lays it out (what a seeder would have). */
  parentDir: string;
  hybridTorrent: string;
  legacyTorrent: string;
  infoHashV1: string;
  infoHashV2: string;
  infoHashV1Legacy: string;
  pieceLength: number;
  /** Torrent path (below the slug folder) → content. */
  files: Map<string, Buffer>;
}

export const DEFAULT_ITEMS: FixtureItem[] = [
  { path: 'film.mkv', locked: true, size: 3 * 1024 * 1024 + 12_345 },
  { path: 'extras/poster + art é.jpg', locked: false, size: 70_001 },
];

/**
 * A bundle as the publish job leaves it, built without the publish job: database rows (with the
 * info-hashes), the published files in the blob store, and its hybrid + v1-only torrents made by
 * libtorrent (the reference implementation) over the same bytes.
 */
export async function createPublishedBundle(
  app: INestApplication,
  opts: {
    status?: BundleStatus;
    items?: FixtureItem[];
    pieceLength?: number;
    publicUrl?: string;
  } = {},
): Promise<PublishedFixture> {
  const prisma = app.get(PrismaService);
  const store = app.get<BlobStore>(BLOB_STORE);
  const pieceLength = opts.pieceLength ?? 64 * 1024;
  const publicUrl = opts.publicUrl ?? 'http://127.0.0.1:3000';
  const slug = `fixture-${randomUUID().slice(0, 8)}`;
  const parentDir = mkdtempSync(join(tmpdir(), 'ks-fixture-'));
  const files = new Map<string, Buffer>();

  const items = opts.items ?? DEFAULT_ITEMS;
  for (const item of items) files.set(item.locked ? `${item.path}.locked` : item.path, randomBytes(item.size));
  const bundleId = randomUUID();
  files.set(
    'keyseed.json',
    Buffer.from(JSON.stringify({ v: 1, bundleId, slug, title: 'Fixture', api: `${publicUrl}/v1` })),
  );
  for (const [rel, body] of files) {
    const target = join(parentDir, slug, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, body);
  }

  const hybridTorrent = join(parentDir, `${slug}.torrent`);
  const legacyTorrent = join(parentDir, `${slug}.v1.torrent`);
  const made = JSON.parse(
    execFileSync(
      PYTHON,
      [
        join(INTEROP_DIR, 'lt_make.py'),
        parentDir,
        slug,
        String(pieceLength),
        `${publicUrl}/announce`,
        `${publicUrl}/webseed/`,
        hybridTorrent,
        legacyTorrent,
      ],
      { encoding: 'utf8' },
    ),
  ) as {
    infoHashV1: string;
    infoHashV2: string;
    infoHashV1Legacy: string;
    files: string[];
  };
  const hashes = { infoHashV1: made.infoHashV1, infoHashV2: made.infoHashV2, infoHashV1Legacy: made.infoHashV1Legacy };

  const creator = await prisma.user.create({
    data: {
      email: `fixture-${randomUUID()}@example.test`,
      passwordHash: 'not-a-hash',
      displayName: 'Fixture Creator',
      roles: ['CREATOR'],
    },
  });
  // Files first, then the row, as publish does: a platform seed syncing in between must not find a
  // PUBLISHED bundle whose torrent is not written yet.
  for (const [rel, body] of files)
    await store.put(rel === 'keyseed.json' ? manifestKey(bundleId) : publishedKey(bundleId, rel), body);
  await store.put(torrentKey(bundleId, slug), readFileSync(hybridTorrent));
  await store.put(legacyTorrentKey(bundleId, slug), readFileSync(legacyTorrent));
  const status = opts.status ?? 'PUBLISHED';
  await prisma.bundle.create({
    data: {
      id: bundleId,
      slug,
      creatorId: creator.id,
      title: 'Fixture',
      pieceLength,
      status,
      // Sellable without a creator payout account (Connect is tested in payouts e2e).
      platformSellerOfRecord: true,
      ...(status === 'DRAFT' ? {} : { ...hashes, publishedAt: new Date() }),
      items: {
        create: items.map((item, position) => ({
          path: item.path,
          locked: item.locked,
          position,
          status: 'READY',
          size: BigInt(item.size),
        })),
      },
    },
  });

  return { bundleId, slug, parentDir, hybridTorrent, legacyTorrent, pieceLength, files, ...hashes };
}

/** `/webseed/<slug>/<path>` with every component percent-encoded (upper-case hex unless told). */
export function webseedUrl(slug: string, rel: string, lowerHex = false): string {
  const enc = (s: string) => {
    const e = encodeURIComponent(s).replace(/[!'()*+]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return lowerHex ? e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) : e;
  };
  return `/webseed/${enc(slug)}/${rel.split('/').map(enc).join('/')}`;
}

/** Every file of the fixture is in `<dir>/<slug>/`, byte for byte (what a client downloaded). */
export function expectSameFiles(fx: PublishedFixture, dir: string): void {
  for (const [rel, body] of fx.files) {
    expect({ rel, equal: Buffer.compare(readFileSync(join(dir, fx.slug, rel)), body) === 0 }).toEqual({
      rel,
      equal: true,
    });
  }
}
