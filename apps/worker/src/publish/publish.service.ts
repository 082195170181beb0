import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { keyCheckValue, Keyring, unwrapContentKey } from '@keyseed/crypto';
import { lockRow, Prisma, PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { TrackerWhitelist } from '@keyseed/opentracker';
import { PublishJob, QueueName } from '@keyseed/queues';
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import {
  BLOB_STORE,
  BlobStore,
  itemPublishedKey,
  itemTorrentPath,
  legacyTorrentKey,
  manifestKey,
  torrentKey,
  TusUploadFiles,
  uploadPrefix,
} from '@keyseed/storage';
import { buildTorrent, FileHashes, PieceHasher, TorrentFileInput } from '@keyseed/torrent';
import { Readable } from 'node:stream';
import type { JobProcessor } from '../queue-worker-host';
import { buildManifest, MANIFEST_PATH } from './manifest';
import { buildV1Twin, TwinFile } from './v1-twin';

export type PublishOutcome =
  | { bundleId: string; status: 'PUBLISHED'; infoHashV1: string; infoHashV2: string; infoHashV1Legacy: string }
  | { bundleId: string; status: 'SKIPPED'; why: string };

/**
 * Publish of one bundle (docs/torrent-format.md): every item READY → write `keyseed.json`, assemble the
 * hybrid torrent from the hashes saved at ingest plus the manifest's own (no file is re-read), store
 * it and its v1-only twin (no pad files, so its pieces are hashed again: see buildV1Twin), record the info-hashes and magnet, bundle PUBLISHED.
 *
 * Idempotent: the creation date is the bundle's `publishedAt`, or on a first publish the time the
 * job was queued (stable across retries), and nothing else varies, so a re-run writes the same bytes.
 * Only a PUBLISHING bundle is published (the API moves DRAFT → PUBLISHING when every item is READY);
 * if the job fails for good the worker puts the bundle back to DRAFT with the reason in publishFailureReason.
 */
@Injectable()
export class PublishService implements JobProcessor<QueueName.Publish> {
  readonly queue = QueueName.Publish;
  /** Publishing is cheap (no file is re-read): two bundles at a time. */
  readonly concurrency = 2;
  private readonly logger = new Logger('publish');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly tusFiles: TusUploadFiles,
    @Inject(KEYRING) private readonly keyring: Keyring,
    private readonly trackerWhitelist: TrackerWhitelist,
  ) {}

  /** A bundle changed while its torrent was built (and is still PUBLISHING): read it again, this often. */
  private static readonly REREADS = 3;

  async process(job: Job<PublishJob>, rereads = PublishService.REREADS): Promise<PublishOutcome> {
    const { bundleId } = job.data;
    const bundle = await this.prisma.bundle.findUnique({
      where: { id: bundleId },
      include: { items: { orderBy: [{ position: 'asc' }, { path: 'asc' }] } },
    });
    if (!bundle) return { bundleId, status: 'SKIPPED', why: 'bundle was deleted' };
    if (bundle.status !== 'PUBLISHING')
      return { bundleId, status: 'SKIPPED', why: `bundle is ${bundle.status}, not PUBLISHING` };
    if (bundle.items.length === 0) throw new UnrecoverableError(`bundle ${bundle.slug} has no items`);
    const notReady = bundle.items.filter((i) => i.status !== 'READY');
    if (notReady.length) {
      throw new UnrecoverableError(
        `cannot publish until every item is READY; not ready: ${notReady.map((i) => `${i.path} (${i.status}${i.failureReason ? `: ${i.failureReason}` : ''})`).join(', ')}`,
      );
    }
    const pieceLength = bundle.pieceLength;
    if (!pieceLength) throw new UnrecoverableError(`bundle ${bundle.slug} has no piece length`);
    const base = this.config.PUBLIC_URL.replace(/\/+$/, '');

    const files: TorrentFileInput[] = [];
    const twinFiles: TwinFile[] = [];
    for (const item of bundle.items) {
      const size = Number(item.size);
      const relPath = itemTorrentPath(item);
      if (relPath === MANIFEST_PATH)
        throw new UnrecoverableError(`item path ${item.path} is reserved for the manifest`);
      if (size > 0 && !item.pieceHashesV1)
        throw new UnrecoverableError(`item ${item.path} is READY but has no saved hashes; upload it again`);
      const stat = await this.blobs.stat(itemPublishedKey(bundle.id, item));
      if (!stat || stat.size !== size) {
        throw new UnrecoverableError(
          `published file of ${item.path} is ${stat ? `${stat.size} bytes, expected ${size}` : 'missing'}; upload it again`,
        );
      }
      await this.verifyStoredPieces(bundle.id, item, pieceLength);
      const hashes: FileHashes = {
        pieceLength,
        length: size,
        piecesV1: Buffer.from(item.pieceHashesV1 ?? new Uint8Array(0)),
        lastPieceV1Unpadded: null,
        piecesRoot: item.piecesRoot ? Buffer.from(item.piecesRoot) : null,
        pieceLayer: item.pieceLayer ? Buffer.from(item.pieceLayer) : null,
      };
      files.push({ path: relPath, hashes });
      const key = itemPublishedKey(bundle.id, item);
      twinFiles.push({ path: relPath, length: size, piecesV1: hashes.piecesV1, read: (r) => this.blobs.read(key, r) });
    }

    const manifest = buildManifest({
      bundleId: bundle.id,
      slug: bundle.slug,
      title: bundle.title,
      apiBaseUrl: base,
      pieceLength,
      items: bundle.items.map((i) => ({
        id: i.id,
        path: i.path,
        locked: i.locked,
        size: Number(i.size),
        kcvHex: i.locked ? this.kcvOf(i) : null,
        previewPieces: i.previewPieces,
      })),
    });
    const manifestHashes = new PieceHasher(pieceLength).update(manifest).digest();
    files.push({ path: MANIFEST_PATH, hashes: manifestHashes });
    twinFiles.push({
      path: MANIFEST_PATH,
      length: manifest.length,
      piecesV1: manifestHashes.piecesV1,
      read: (r) => Readable.from([manifest.subarray(r.start, r.end + 1)]),
    });

    const creationDate = bundle.publishedAt ?? new Date(job.timestamp);
    const meta = {
      // The built-in tracker first (the swarm-aware webseed counts its swarm), then each external one.
      announce: [`${base}/announce`, ...this.config.TRACKER_URLS],
      webseeds: [`${base}/webseed/`],
      comment: `${bundle.title}: locked files (*.locked) are unlocked with keys sold at ${base}; see keyseed.json`,
      createdBy: 'Keyseed',
      creationDate,
    };
    const built = buildTorrent({ name: bundle.slug, files, ...meta });
    const legacy = await buildV1Twin(bundle.slug, pieceLength, twinFiles, meta);
    const hashes = {
      infoHashV1: built.infoHashV1!,
      infoHashV2: built.infoHashV2!,
      infoHashV1Legacy: legacy.infoHashV1!,
    };

    // Everything is written under the bundle's row lock, and only if the bundle is still in the very
    // PUBLISHING this run read: a run that lost its job lock (stalled, then taken over or failed)
    // may still be going after the bundle went back to DRAFT, was edited and published again; it
    // must neither overwrite the newer run's torrent nor drop a newer upload's plaintext.
    const published = await this.prisma.$transaction(
      async (tx) => {
        await lockRow(tx, 'Bundle', bundle.id);
        const now = await tx.bundle.findUnique({ where: { id: bundle.id }, select: { status: true, updatedAt: true } });
        if (now?.status !== 'PUBLISHING') return 'left PUBLISHING';
        if (now.updatedAt.getTime() !== bundle.updatedAt.getTime()) return 'changed';
        await this.blobs.put(manifestKey(bundle.id), manifest);
        await this.blobs.put(torrentKey(bundle.id, bundle.slug), built.torrent);
        await this.blobs.put(legacyTorrentKey(bundle.id, bundle.slug), legacy.torrent);
        // Ingest is over for good (items are READY, the bundle leaves DRAFT): the plaintext uploads go
        // in the transaction that announces the bundle as published, so PUBLISHED never coexists with
        // a clear copy.
        await this.dropPlaintextUploads(
          tx,
          bundle.id,
          bundle.items.map((i) => i.id),
        );
        await tx.bundle.update({
          where: { id: bundle.id },
          data: {
            status: 'PUBLISHED',
            ...hashes,
            magnet: built.magnet,
            publishedAt: creationDate,
            publishFailureReason: null,
          },
        });
        return 'published';
      },
      { timeout: 60_000 },
    );
    if (published === 'changed' && rereads > 0) return this.process(job, rereads - 1);
    if (published !== 'published')
      return { bundleId, status: 'SKIPPED', why: `bundle ${published} while the torrent was built` };
    await this.trackerWhitelist.changed();
    this.logger.log({ event: 'publish.done', bundleId, slug: bundle.slug, files: files.length, ...hashes });
    return { bundleId, status: 'PUBLISHED', ...hashes };
  }

  /** KCV of a locked item's content key (the CK is unwrapped here, used once, and zeroed). */
  private kcvOf(item: { id: string; path: string; wrappedKey: Uint8Array | null; kekId: string | null }): string {
    if (!item.wrappedKey || !item.kekId)
      throw new UnrecoverableError(`locked item ${item.path} is READY but has no content key; upload it again`);
    const ck = unwrapContentKey(this.keyring, item.id, item.wrappedKey, item.kekId);
    try {
      return keyCheckValue(ck);
    } finally {
      ck.fill(0);
    }
  }

  /**
   * Items READY and the bundle past DRAFT: nothing re-reads the plaintext uploads any more (a new
   * ingest needs a new upload), and keeping the clear film next to its ciphertext is a liability.
   */
  private async dropPlaintextUploads(tx: Prisma.TransactionClient, bundleId: string, itemIds: string[]): Promise<void> {
    for (const id of itemIds) await this.blobs.delete(uploadPrefix(id));
    await tx.item.updateMany({ where: { id: { in: itemIds } }, data: { uploadKey: null } });
    // tus's own copies go too: those of uploads still in progress, which can no longer finish (the
    // bundle left DRAFT), and those of completed ones whose release after completion failed (the API
    // lost its database connection between the two).
    const uploads = await tx.upload.findMany({ where: { bundleId }, select: { id: true, completedAt: true } });
    for (const u of uploads) await this.tusFiles.remove(u.id);
    const unfinished = uploads.filter((u) => !u.completedAt).map((u) => u.id);
    await tx.upload.deleteMany({ where: { id: { in: unfinished } } });
  }

  /**
   * The stored file must be the one this item's hashes describe (a rename or a stray write could
   * leave another item's ciphertext under its name): its first and last pieces are hashed again and
   * compared with the saved v1 piece hashes (the last one padded with zeros, as ingest hashed it).
   */
  private async verifyStoredPieces(
    bundleId: string,
    item: { path: string; locked: boolean; size: bigint | null; pieceHashesV1: Uint8Array | null },
    pieceLength: number,
  ): Promise<void> {
    const size = Number(item.size);
    if (size === 0) return;
    const saved = Buffer.from(item.pieceHashesV1!);
    const pieces = Math.ceil(size / pieceLength);
    for (const index of new Set([0, pieces - 1])) {
      const start = index * pieceLength;
      const end = Math.min(start + pieceLength, size) - 1;
      const data = await buffer(this.blobs.read(itemPublishedKey(bundleId, item), { start, end }));
      const padded = Buffer.concat([data, Buffer.alloc(pieceLength - data.length)]);
      const sha1 = createHash('sha1').update(padded).digest();
      if (!sha1.equals(saved.subarray(index * 20, index * 20 + 20)))
        throw new UnrecoverableError(
          `published file of ${item.path} does not match its ingest (piece ${index} differs); upload it again`,
        );
    }
  }

  /** A publish that failed for good puts the bundle back to DRAFT with the reason (the creator fixes and retries). */
  async markFailed(job: Job<PublishJob>, err: Error): Promise<void> {
    await this.prisma.bundle.updateMany({
      where: { id: job.data.bundleId, status: 'PUBLISHING' },
      data: { status: 'DRAFT', publishFailureReason: err.message.slice(0, 2000) },
    });
    this.logger.warn({ event: 'publish.failed', bundleId: job.data.bundleId, jobId: job.id, reason: err.message });
  }
}
