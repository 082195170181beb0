import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { generateContentKey, Keyring, wrapContentKey } from '@keyseed/crypto';
import { lockRow, PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { IngestJob, ingestGenerationOf, IngestProgress, QueueName } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, chmodPrivate, itemPublishedKey, mkdirPrivate, stagingPrefix } from '@keyseed/storage';
import { choosePieceLength } from '@keyseed/torrent';
import type { JobProcessor } from '../queue-worker-host';
import { creatorFacing } from './failure-reason';
import { ingestFile } from './ingest-file';
import { ingestStream } from './ingest-stream';

const PROGRESS_EVERY_MS = 500;

export type IngestOutcome =
  { itemId: string; status: 'READY'; bytes: number; ms: number } | { itemId: string; status: 'SKIPPED'; why: string };

/** This attempt lost the item to a newer upload or attempt: its work is discarded. */
class Superseded extends Error {}

/**
 * Ingest of one item (docs/architecture.md, ingest): read the stored upload once; encrypt (locked) with a content key
 * drawn for this attempt; hash; write the ciphertext to `staging/<itemId>/<attempt>`, fsync it (disk),
 * then, in one transaction holding the item row, check the attempt still owns the item, rename the
 * file to its published key (atomic), fsync the directory and write the hashes and wrapped key with
 * status READY. A crash anywhere before the commit leaves the item INGESTING (never READY) and the
 * job is retried or recovered as stalled; the next attempt starts over with a new key.
 */
@Injectable()
export class IngestService implements JobProcessor<QueueName.Ingest> {
  readonly queue = QueueName.Ingest;
  private readonly logger = new Logger('ingest');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(KEYRING) private readonly keyring: Keyring,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  /** INGEST_CONCURRENCY items at a time (each also uses INGEST_THREADS threads). */
  get concurrency(): number {
    return this.config.INGEST_CONCURRENCY;
  }

  async process(job: Job<IngestJob>): Promise<IngestOutcome> {
    const { itemId } = job.data;
    const item = await this.prisma.item.findUnique({ where: { id: itemId }, include: { bundle: true } });
    if (!item) return { itemId, status: 'SKIPPED', why: 'item was deleted' };
    const generation = ingestGenerationOf(job) ?? item.ingestGeneration;
    if (generation !== item.ingestGeneration)
      return { itemId, status: 'SKIPPED', why: `superseded by upload generation ${item.ingestGeneration}` };
    if (item.status === 'READY') return { itemId, status: 'SKIPPED', why: 'already READY for this upload' };
    if (!item.uploadKey || item.size === null)
      throw new UnrecoverableError('upload missing: the item has no completed upload; upload the file again');
    if (item.bundle.status !== 'DRAFT')
      throw new UnrecoverableError(
        `bundle ${item.bundle.slug} is ${item.bundle.status}; its files can only change while it is a DRAFT`,
      );
    const pieceLength = item.bundle.pieceLength ?? (await this.fixPieceLength(item.bundleId));
    const size = Number(item.size);
    const stat = await this.blobs.stat(item.uploadKey);
    if (!stat)
      throw new UnrecoverableError(
        'upload missing: the stored upload was deleted before ingest; upload the file again',
      );
    if (stat.size !== size)
      throw new UnrecoverableError(
        `upload damaged: the stored upload has ${stat.size} bytes but the item's upload declared ${size}; upload the file again`,
      );
    const uploadPath = this.blobs.localPath(item.uploadKey);

    const startedAt = new Date();
    const claimed = await this.prisma.item.updateMany({
      where: { id: itemId, ingestGeneration: generation, status: { in: ['QUEUED', 'INGESTING', 'FAILED'] } },
      data: { status: 'INGESTING', ingestStartedAt: startedAt, progress: 0, bytesPerSecond: 0, failureReason: null },
    });
    if (claimed.count === 0) return { itemId, status: 'SKIPPED', why: 'item changed before ingest started' };

    // Leftovers of crashed attempts go; a zombie attempt still writing loses its file and its commit.
    await this.blobs.delete(stagingPrefix(itemId));
    const stagingKey = `${stagingPrefix(itemId)}g${generation}-${randomBytes(6).toString('hex')}`;
    const stagingPath = this.blobs.localPath(stagingKey);
    if (stagingPath) await mkdirPrivate(dirname(stagingPath));
    this.logger.log({
      event: 'ingest.start',
      itemId,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
      generation,
      bytes: size,
      locked: item.locked,
    });

    const contentKey = item.locked ? generateContentKey() : null;
    try {
      const wrapped = contentKey ? wrapContentKey(this.keyring, itemId, contentKey) : null;
      const progress = this.progressReporter(job, itemId, startedAt, size);
      // Disk: positional reads and writes on threads. Object stores: one streaming pass, the
      // ciphertext written by multipart upload (no local copy).
      const result = await (
        uploadPath && stagingPath
          ? ingestFile({
              uploadPath,
              stagingPath,
              length: size,
              pieceLength,
              contentKey,
              threads: this.config.INGEST_THREADS,
              onProgress: progress.report,
            })
          : ingestStream({
              source: this.blobs.read(item.uploadKey),
              sink: (ciphertext) => this.blobs.put(stagingKey, ciphertext),
              length: size,
              pieceLength,
              contentKey,
              onProgress: progress.report,
            })
      ).finally(() => {
        contentKey?.fill(0);
        return progress.flush();
      });
      const hashedAt = Date.now();
      if (stagingPath) {
        await chmodPrivate(stagingPath);
        await fsyncPath(stagingPath);
      }
      const syncedAt = Date.now();

      await this.prisma.$transaction(
        async (tx) => {
          await lockRow(tx, 'Item', itemId);
          const now = await tx.item.findUnique({
            where: { id: itemId },
            include: { bundle: { select: { status: true } } },
          });
          if (
            !now ||
            now.status !== 'INGESTING' ||
            now.ingestGeneration !== generation ||
            now.ingestStartedAt?.getTime() !== startedAt.getTime()
          ) {
            throw new Superseded('the item was re-uploaded or claimed by a newer attempt');
          }
          if (now.bundle.status !== 'DRAFT')
            throw new UnrecoverableError(
              `bundle is ${now.bundle.status}; its files can only change while it is a DRAFT`,
            );
          // The name as of this commit: a rename while the item was ingesting moves nothing yet.
          const targetKey = itemPublishedKey(item.bundleId, now);
          await this.blobs.rename(stagingKey, targetKey);
          const targetPath = this.blobs.localPath(targetKey);
          if (targetPath) await fsyncPath(dirname(targetPath));
          await tx.item.update({
            where: { id: itemId },
            data: {
              status: 'READY',
              progress: 1,
              bytesPerSecond: 0,
              failureReason: null,
              ingestedAt: new Date(),
              pieceHashesV1: bytes(result.hashes.piecesV1),
              piecesRoot: bytes(result.hashes.piecesRoot),
              pieceLayer: bytes(result.hashes.pieceLayer),
              plaintextSha256: result.plaintextSha256,
              plaintextPieceRoot: result.plaintextPieceRoot,
              wrappedKey: bytes(wrapped?.wrappedKey),
              kekId: wrapped?.kekId ?? null,
            },
          });
        },
        { timeout: 60_000 },
      );
      const ms = Date.now() - startedAt.getTime();
      this.logger.log({
        event: 'ingest.done',
        itemId,
        bytes: size,
        ms,
        mbps: Math.round(size / 1e3 / Math.max(ms, 1)),
        hashMs: hashedAt - startedAt.getTime(),
        fsyncMs: syncedAt - hashedAt,
        commitMs: Date.now() - syncedAt,
      });
      return { itemId, status: 'READY', bytes: size, ms };
    } catch (err) {
      await this.blobs.delete(stagingKey).catch(() => undefined);
      if (err instanceof Superseded) {
        this.logger.log({ event: 'ingest.superseded', itemId, jobId: job.id });
        return { itemId, status: 'SKIPPED', why: err.message };
      }
      throw err;
    }
  }

  /**
   * The first ingest of a bundle fixes its piece length (docs/torrent-format.md, piece length):
   * `choosePieceLength` of the declared total, under the bundle's row lock so concurrent first
   * ingests agree. Each item counts with its declared size; an undeclared one with the length of
   * its unfinished upload, else of its completed one (so a trailer that finishes first does not
   * give a declared film its own small pieces).
   */
  private async fixPieceLength(bundleId: string): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', bundleId);
      const bundle = await tx.bundle.findUniqueOrThrow({ where: { id: bundleId }, select: { pieceLength: true } });
      if (bundle.pieceLength) return bundle.pieceLength;
      const [{ total }] = await tx.$queryRaw<[{ total: bigint | null }]>`
        SELECT SUM(COALESCE(i."declaredSize",
          (SELECT u."size" FROM "Upload" u
            WHERE u."itemId" = i."id" AND u."completedAt" IS NULL AND u."expiresAt" > now()
            ORDER BY u."createdAt" DESC LIMIT 1),
          i."size", 0))::bigint AS total
        FROM "Item" i WHERE i."bundleId" = ${bundleId}::uuid`;
      const pieceLength = choosePieceLength(Number(total ?? 0n));
      await tx.bundle.update({ where: { id: bundleId }, data: { pieceLength } });
      this.logger.log({ event: 'ingest.piece_length', bundleId, declaredBytes: Number(total ?? 0n), pieceLength });
      return pieceLength;
    });
  }

  /** Marks the item FAILED for good (last attempt, unrecoverable error, or stalled too often). */
  async markFailed(job: Job<IngestJob>, err: Error): Promise<void> {
    const { itemId } = job.data;
    const generation = ingestGenerationOf(job);
    const reason =
      err.name === 'UnrecoverableError'
        ? err.message
        : `ingest failed after ${job.attemptsMade} attempt(s): ${creatorFacing(err)}`;
    await this.prisma.item.updateMany({
      where: {
        id: itemId,
        status: { in: ['QUEUED', 'INGESTING'] },
        ...(generation === null ? {} : { ingestGeneration: generation }),
      },
      data: { status: 'FAILED', failureReason: reason, progress: 0, bytesPerSecond: 0 },
    });
    this.logger.warn({ event: 'ingest.failed', itemId, jobId: job.id, reason, message: err.message });
  }

  /** Progress on the job and (throttled) on the item row; never two row writes at once. */
  private progressReporter(job: Job<IngestJob>, itemId: string, startedAt: Date, size: number) {
    let last = 0;
    let fraction = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const write = () => {
      const seconds = Math.max((Date.now() - startedAt.getTime()) / 1000, 0.001);
      const bytesDone = Math.round(fraction * size);
      const p: IngestProgress = { bytesDone, bytesTotal: size, bytesPerSecond: Math.round(bytesDone / seconds) };
      writing = writing
        .then(() =>
          Promise.all([
            job.updateProgress(p as unknown as object),
            this.prisma.item.updateMany({
              where: { id: itemId, status: 'INGESTING', ingestStartedAt: startedAt },
              data: { progress: Math.min(fraction, 0.999), bytesPerSecond: p.bytesPerSecond },
            }),
          ]),
        )
        .catch((err: Error) => this.logger.warn({ event: 'ingest.progress_failed', itemId, message: err.message }));
    };
    return {
      report: (f: number) => {
        fraction = f;
        const now = Date.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          write();
        }
      },
      flush: () => writing,
    };
  }
}

/** Prisma `Bytes` columns take a Uint8Array over a plain ArrayBuffer. */
function bytes(b: Uint8Array | null | undefined): Uint8Array<ArrayBuffer> | null {
  return b ? new Uint8Array(b) : null;
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
