import { Injectable } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { announcedInfoHashes } from '@keyseed/torrent';

/** Bundles whose swarms the tracker serves; same rule as the webseed (unlisted keeps seeding). */
const TRACKED_STATUSES = ['PUBLISHED', 'UNLISTED'] as const;
/** A full reload at least this often picks up takedowns and new bundles. */
export const INDEX_MAX_AGE_MS = 30_000;
/** An unknown hash triggers a reload at most this often (floods of junk hashes cost nothing). */
const MISS_RELOAD_MS = 2_000;

interface Index {
  byHash: Map<string, string>;
  byBundle: Map<string, string[]>;
  loadedAt: number;
}

/**
 * info-hash (hex, 40 chars) → bundle id for every served bundle: its hybrid torrent's v1 hash, the
 * v2 hash truncated to 20 bytes (what v2 clients announce), and the legacy v1-only torrent's hash.
 * Kept in memory and reloaded from PostgreSQL, so announces never wait on the database.
 */
@Injectable()
export class InfoHashIndex {
  private index: Index = { byHash: new Map(), byBundle: new Map(), loadedAt: 0 };
  private loading: Promise<Index> | null = null;

  constructor(private readonly prisma: PrismaService) {}

  /** The bundle id announcing `infoHash` belongs to, or null when it is not a served bundle. */
  async bundleOf(infoHash: string): Promise<string | null> {
    const hash = infoHash.toLowerCase();
    let index = this.index;
    const age = Date.now() - index.loadedAt;
    if (age > INDEX_MAX_AGE_MS || (!index.byHash.has(hash) && age > MISS_RELOAD_MS)) index = await this.reload();
    return index.byHash.get(hash) ?? null;
  }

  /** The info-hashes (hex) of a bundle, from the last load. */
  hashesOf(bundleId: string): string[] {
    return this.index.byBundle.get(bundleId) ?? [];
  }

  /** Makes sure the index is at most {@link INDEX_MAX_AGE_MS} old. */
  async fresh(): Promise<void> {
    if (Date.now() - this.index.loadedAt > INDEX_MAX_AGE_MS) await this.reload();
  }

  private reload(): Promise<Index> {
    this.loading ??= this.load()
      .then((index) => {
        this.index = index;
        return index;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private async load(): Promise<Index> {
    const bundles = await this.prisma.bundle.findMany({
      where: { status: { in: [...TRACKED_STATUSES] } },
      select: { id: true, infoHashV1: true, infoHashV2: true, infoHashV1Legacy: true },
    });
    const byHash = new Map<string, string>();
    const byBundle = new Map<string, string[]>();
    for (const b of bundles) {
      const hashes = announcedInfoHashes(b);
      for (const h of hashes) byHash.set(h, b.id);
      if (hashes.length) byBundle.set(b.id, hashes);
    }
    return { byHash, byBundle, loadedAt: Date.now() };
  }
}
