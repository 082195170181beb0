import { Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { Bundle, BundleStatus, Item, PrismaService, User } from '@keyseed/database';
import { BLOB_STORE, BlobStore, legacyTorrentKey, torrentKey } from '@keyseed/storage';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { priceView } from '../bundles/bundle-view';
import { torrentPath } from '../bundles/item-path';
import { CatalogBundleView, CatalogSummaryView, TorrentLinksView } from './dtos/catalog.responses';
import { NO_SWARM_STATS, SWARM_STATS, SwarmStatsProvider } from './swarm-stats';

/** Statuses anyone may see; the rest exist only for their owner and admins. */
const PUBLIC_STATUSES: BundleStatus[] = ['PUBLISHED', 'UNLISTED'];

export const HYBRID_CLIENTS =
  'libtorrent-based clients (qBittorrent, Deluge, libtorrent, BiglyBT) and any BitTorrent v2-capable client';
export const V1_CLIENTS = 'Transmission ≤ 3 and aria2 ≤ 1.36 (no BitTorrent v2 / hybrid support)';

/** Free items with these extensions serve as the bundle's poster in the catalog. */
const POSTER_EXTENSIONS = /\.(jpe?g|png|webp|gif|avif)$/i;

type CatalogBundle = Bundle & { items: Item[]; creator: Pick<User, 'displayName'> };

/** The public face of published bundles: listing, detail page data, torrent files. */
@Injectable()
export class CatalogService {
  private readonly swarm: SwarmStatsProvider;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Optional() @Inject(SWARM_STATS) swarm?: SwarmStatsProvider,
  ) {
    this.swarm = swarm ?? NO_SWARM_STATS;
  }

  /** PUBLISHED bundles, newest first (UNLISTED ones are reachable by slug but not listed). */
  async list(page: number, perPage: number, titleContains?: string): Promise<CatalogSummaryView[]> {
    const search = titleContains?.trim();
    const bundles = await this.prisma.bundle.findMany({
      where: { status: 'PUBLISHED', ...(search ? { title: { contains: search, mode: 'insensitive' } } : {}) },
      orderBy: [{ publishedAt: 'desc' }, { id: 'asc' }],
      skip: (page - 1) * perPage,
      take: perPage,
      include: { items: true, creator: { select: { displayName: true } } },
    });
    return bundles.map((b) => this.summary(b));
  }

  async get(slug: string, viewer: AuthenticatedUser | undefined): Promise<CatalogBundleView> {
    const b = await this.visible(slug, viewer);
    const hashes = [b.infoHashV1, b.infoHashV2, b.infoHashV1Legacy].filter((h): h is string => Boolean(h));
    return {
      ...this.summary(b),
      status: b.status,
      pieceLength: b.pieceLength,
      items: [...b.items]
        .sort((x, y) => x.position - y.position)
        .map((i) => ({
          path: i.path,
          torrentPath: torrentPath(i.path, i.locked),
          size: i.size === null ? null : Number(i.size),
          locked: i.locked,
          previewPieces: i.previewPieces,
        })),
      magnet: b.magnet,
      infoHashV1: b.infoHashV1,
      infoHashV2: b.infoHashV2,
      infoHashV1Legacy: b.infoHashV1Legacy,
      torrents: this.torrentLinks(b),
      swarm: hashes.length ? await this.swarm.stats(hashes) : { seeders: 0, leechers: 0, completed: 0 },
    };
  }

  /** The stored .torrent (hybrid, or the legacy v1-only one) as a stream with its size. */
  async torrent(
    slug: string,
    viewer: AuthenticatedUser | undefined,
    format: 'hybrid' | 'v1',
  ): Promise<{ body: Readable; size: number; filename: string }> {
    const b = await this.visible(slug, viewer);
    const key = format === 'v1' ? legacyTorrentKey(b.id, b.slug) : torrentKey(b.id, b.slug);
    const stat = b.infoHashV1 ? await this.blobs.stat(key) : null;
    if (!stat)
      throw new NotFoundException(
        `bundle ${slug} has no ${format === 'v1' ? 'v1-only' : 'hybrid'} torrent yet (it is built when the bundle is published)`,
      );
    return {
      body: this.blobs.read(key),
      size: stat.size,
      filename: format === 'v1' ? `${b.slug}.v1.torrent` : `${b.slug}.torrent`,
    };
  }

  /** 404 (not 403: its existence is not revealed) unless public, or the viewer owns it or is an admin. */
  private async visible(slug: string, viewer: AuthenticatedUser | undefined): Promise<CatalogBundle> {
    const b = await this.prisma.bundle.findUnique({
      where: { slug },
      include: { items: true, creator: { select: { displayName: true } } },
    });
    const allowed =
      b && (PUBLIC_STATUSES.includes(b.status) || viewer?.id === b.creatorId || viewer?.roles.includes('ADMIN'));
    if (!allowed) throw new NotFoundException(`bundle ${slug} not found`);
    return b;
  }

  private summary(b: CatalogBundle): CatalogSummaryView {
    const poster = [...b.items]
      .sort((x, y) => x.position - y.position)
      .find((i) => !i.locked && POSTER_EXTENSIONS.test(i.path));
    return {
      id: b.id,
      slug: b.slug,
      title: b.title,
      description: b.description,
      creator: { displayName: b.creator.displayName },
      price: priceView(b),
      itemCount: b.items.length,
      totalSize: b.items.reduce((s, i) => s + Number(i.size ?? 0n), 0),
      publishedAt: b.publishedAt,
      posterPath: poster && b.infoHashV1 ? poster.path : null,
      releaseAt: b.releaseAt,
      released: !b.releaseAt || b.releaseAt.getTime() <= Date.now(),
    };
  }

  private torrentLinks(b: Bundle): TorrentLinksView | null {
    if (!b.infoHashV1) return null;
    const base = `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/v1/catalog/${encodeURIComponent(b.slug)}/torrent`;
    return {
      hybrid: { url: base, infoHashV1: b.infoHashV1, infoHashV2: b.infoHashV2, useWith: HYBRID_CLIENTS },
      v1: b.infoHashV1Legacy
        ? { url: `${base}?format=v1`, infoHashV1: b.infoHashV1Legacy, infoHashV2: null, useWith: V1_CLIENTS }
        : null,
    };
  }
}
