import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { BLOB_STORE, BlobStore } from '@keyseed/storage';
import { manifestKey, publishedKey } from '@keyseed/storage/keys';

/**
 * Bundle states whose files the webseed serves. UNLISTED is included on purpose: unlisting hides a
 * bundle from the catalog, but people who bought it (and everyone already in the swarm) must still
 * be able to finish and re-download it. DRAFT, PUBLISHING and TAKEN_DOWN are never served.
 */
export const SERVED_STATUSES = ['PUBLISHED', 'UNLISTED'] as const;

/** How long a slug lookup (bundle + its file list, or "no such bundle") is reused. */
export const LOOKUP_TTL_MS = 5_000;
const MAX_CACHED_SLUGS = 10_000;

export interface PublishedFile {
  /** Storage key of the bytes. */
  key: string;
  /** Filled on first use, for the life of the cache entry. */
  stat?: Promise<{ size: number; mtime: Date } | null>;
}

export interface PublishedBundle {
  id: string;
  slug: string;
  /** Content-derived tag shared by every replica: changes whenever any published byte changes. */
  version: string;
  pieceLength: number | null;
  /** Info-hashes (hex) per torrent (one swarm each): [hybrid v1, v2], [v1 twin]; what SWARM_PEERS takes. */
  torrents: string[][];
  /** Last-Modified for every file: the publish time, identical on every replica (file mtimes are not). */
  publishedAt: Date | null;
  /** Path inside the torrent below the bundle folder → file. */
  files: Map<string, PublishedFile>;
}

interface CacheEntry {
  expires: number;
  value: Promise<PublishedBundle | null>;
}

/** Path of an item inside the torrent: locked items are published as `<path>.locked` (docs/torrent-format.md). */
export function torrentPath(item: { path: string; locked: boolean }): string {
  return item.locked ? `${item.path}.locked` : item.path;
}

/**
 * slug → the bundle's published files, looked up in the database at most once per slug every few
 * seconds (a torrent client sends one request per piece; the hot path must not hit PostgreSQL).
 * The price of the cache: a takedown stops the webseed within {@link LOOKUP_TTL_MS} on each replica.
 */
@Injectable()
export class PublishedFiles {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
  ) {}

  async bySlug(slug: string): Promise<PublishedBundle | null> {
    const now = Date.now();
    const hit = this.cache.get(slug);
    if (hit && hit.expires > now) return hit.value;
    const value = this.load(slug);
    if (this.cache.size >= MAX_CACHED_SLUGS) this.evict(now);
    this.cache.set(slug, { expires: now + LOOKUP_TTL_MS, value });
    value.catch(() => this.cache.delete(slug)); // never cache a database error
    return value;
  }

  /** Size and modification time of a published file (cached with its bundle). */
  statOf(file: PublishedFile): Promise<{ size: number; mtime: Date } | null> {
    file.stat ??= this.store.stat(file.key);
    return file.stat;
  }

  private async load(slug: string): Promise<PublishedBundle | null> {
    const bundle = await this.prisma.bundle.findFirst({
      where: { slug, status: { in: [...SERVED_STATUSES] } },
      select: {
        id: true,
        slug: true,
        pieceLength: true,
        infoHashV1: true,
        infoHashV2: true,
        infoHashV1Legacy: true,
        publishedAt: true,
        items: { select: { path: true, locked: true } },
      },
    });
    if (!bundle) return null;
    const files = new Map<string, PublishedFile>();
    for (const item of bundle.items) {
      const rel = torrentPath(item);
      files.set(rel, { key: publishedKey(bundle.id, rel) });
    }
    files.set('keyseed.json', { key: manifestKey(bundle.id) });
    const version = (bundle.infoHashV2 ?? bundle.infoHashV1 ?? bundle.id.replace(/-/g, '')).slice(0, 16);
    return {
      id: bundle.id,
      slug: bundle.slug,
      version,
      pieceLength: bundle.pieceLength,
      torrents: [[bundle.infoHashV1, bundle.infoHashV2], [bundle.infoHashV1Legacy]]
        .map((t) => t.filter((h): h is string => !!h))
        .filter((t) => t.length > 0),
      publishedAt: bundle.publishedAt,
      files,
    };
  }

  private evict(now: number): void {
    for (const [slug, entry] of this.cache) if (entry.expires <= now) this.cache.delete(slug);
    // Still full (a flood of distinct slugs): drop the oldest half; Map iterates in insertion order.
    let excess = this.cache.size - MAX_CACHED_SLUGS / 2;
    for (const slug of this.cache.keys()) {
      if (excess-- <= 0) break;
      this.cache.delete(slug);
    }
  }
}
