import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { lockRow, Prisma, PrismaService } from '@keyseed/database';
import { JobQueues, QueueName } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, uploadKey } from '@keyseed/storage';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { TusFilesService } from './tus-files.service';

export interface UploadRequest {
  /** Parsed Upload-Metadata: `bundleId` and `itemId` (or `path`) name the item. */
  metadata: Record<string, string>;
  uploadLength: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The rules around tus uploads (the protocol itself is @tus/server's): who may upload what, size
 * limit and quota, the Upload row, and what happens when the last byte arrives.
 */
@Injectable()
export class UploadsService {
  private readonly logger = new Logger('uploads');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly jobs: JobQueues,
    private readonly tusFiles: TusFilesService,
  ) {}

  /**
   * Checks a creation request and records the Upload row (its id becomes the tus upload id).
   * Runs under a per-creator advisory lock so concurrent creations cannot overrun the quota.
   * A new upload for an item supersedes the item's unfinished ones.
   */
  async reserve(user: AuthenticatedUser, req: UploadRequest): Promise<{ id: string; expiresAt: Date }> {
    const { bundleId, itemId, path } = req.metadata;
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the item lookup.
    if (path?.includes('\u0000')) throw new BadRequestException('Upload-Metadata path must not contain NUL characters');
    if (!bundleId || !UUID.test(bundleId))
      throw new BadRequestException("Upload-Metadata must carry bundleId (the bundle's id)");
    if (!itemId && !path)
      throw new BadRequestException('Upload-Metadata must carry itemId or path naming the item to upload');
    if (itemId && !UUID.test(itemId)) throw new BadRequestException('Upload-Metadata itemId is not an item id');
    if (req.uploadLength === undefined || !/^\d+$/.test(req.uploadLength)) {
      throw new BadRequestException(
        'Upload-Length is required (deferred lengths are not supported: the size counts against your quota)',
      );
    }
    const size = Number(req.uploadLength);
    if (size > this.config.MAX_UPLOAD_BYTES) {
      throw new PayloadTooLargeException(
        `file of ${size} bytes exceeds the per-file limit of ${this.config.MAX_UPLOAD_BYTES} bytes`,
      );
    }

    const id = randomBytes(16).toString('hex');
    const expiresAt = new Date(Date.now() + this.config.UPLOAD_EXPIRY_HOURS * 3_600_000);
    const superseded = await this.prisma.$transaction(async (tx) => {
      // The bundle's row lock, like publish: a creation never lands in a bundle that left DRAFT
      // after this check (publish would miss the new upload's plaintext when it drops them all).
      await lockRow(tx, 'Bundle', bundleId);
      const bundle = await tx.bundle.findUnique({ where: { id: bundleId } });
      if (!bundle) throw new NotFoundException(`bundle ${bundleId} not found`);
      if (bundle.creatorId !== user.id && !user.roles.includes('ADMIN'))
        throw new ForbiddenException('this bundle belongs to another account');
      if (bundle.status !== 'DRAFT')
        throw new ConflictException(
          `bundle ${bundle.slug} is ${bundle.status}; files can only be uploaded to a DRAFT bundle`,
        );
      const item = await tx.item.findFirst({
        where: itemId ? { id: itemId, bundleId } : { path: path.normalize('NFC'), bundleId },
      });
      if (!item)
        throw new NotFoundException(
          `item ${itemId ?? JSON.stringify(path)} not found in bundle ${bundle.slug}; declare it with POST /v1/bundles/${bundleId}/items first`,
        );
      assertDeclaredSize(item, size);

      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${bundle.creatorId}))`;
      const used = await this.quotaUsed(tx, bundle.creatorId, item.id);
      if (used + size > this.config.CREATOR_QUOTA_BYTES) {
        throw new PayloadTooLargeException(
          `upload of ${size} bytes would exceed your storage quota: ${used} of ${this.config.CREATOR_QUOTA_BYTES} bytes used`,
        );
      }
      const previous = await tx.upload.findMany({
        where: { itemId: item.id, completedAt: null },
        select: { id: true },
      });
      await tx.upload.deleteMany({ where: { id: { in: previous.map((p) => p.id) } } });
      await tx.upload.create({ data: { id, bundleId, itemId: item.id, creatorId: bundle.creatorId, size, expiresAt } });
      // A first upload marks the item UPLOADING; a replacement leaves the current file's state alone
      // until the new bytes are complete.
      if (item.status === 'AWAITING_UPLOAD')
        await tx.item.update({ where: { id: item.id }, data: { status: 'UPLOADING' } });
      return previous;
    });
    await Promise.all(superseded.map((p) => this.tusFiles.remove(p.id)));
    this.logger.log({ event: 'upload.created', uploadId: id, bundleId, size });
    return { id, expiresAt };
  }

  /** Bytes a creator holds: every item's file plus unfinished, unexpired uploads (`exceptItemId`'s aside: it is being replaced). */
  private async quotaUsed(tx: Prisma.TransactionClient, creatorId: string, exceptItemId: string): Promise<number> {
    const [items, uploads] = await Promise.all([
      tx.item.aggregate({ where: { bundle: { creatorId }, id: { not: exceptItemId } }, _sum: { size: true } }),
      tx.upload.aggregate({
        where: { creatorId, completedAt: null, expiresAt: { gt: new Date() }, itemId: { not: exceptItemId } },
        _sum: { size: true },
      }),
    ]);
    return Number(items._sum.size ?? 0n) + Number(uploads._sum.size ?? 0n);
  }

  /** HEAD/PATCH/DELETE on an upload: only its creator (or an admin); writes only while the bundle is a DRAFT. */
  async authorize(user: AuthenticatedUser, uploadId: string, method: string): Promise<void> {
    const upload = /^[0-9a-f]{32}$/.test(uploadId)
      ? await this.prisma.upload.findUnique({
          where: { id: uploadId },
          include: { bundle: { select: { status: true, slug: true } } },
        })
      : null;
    if (!upload) throw new NotFoundException(`upload ${uploadId} not found`);
    if (upload.creatorId !== user.id && !user.roles.includes('ADMIN'))
      throw new ForbiddenException('this upload belongs to another account');
    if (method !== 'HEAD' && upload.bundle.status !== 'DRAFT') {
      throw new ConflictException(
        `bundle ${upload.bundle.slug} is ${upload.bundle.status}; uploads can only change while it is a DRAFT`,
      );
    }
  }

  /**
   * A creation that failed: if tus stored nothing, forget the upload; if the upload's row went
   * meanwhile (its item or bundle deleted, or published), tus may have written its files after
   * they were removed, so they go now.
   */
  async abandonIfNotStored(uploadId: string): Promise<void> {
    if (await this.isGone(uploadId)) await this.tusFiles.remove(uploadId);
    else if (!(await this.tusFiles.exists(uploadId))) await this.abandon(uploadId);
  }

  /** DELETE (tus termination) of an unfinished upload: forget it; tus then removes its files. */
  async terminate(uploadId: string): Promise<void> {
    const upload = await this.prisma.upload.findUniqueOrThrow({ where: { id: uploadId } });
    if (upload.completedAt)
      throw new BadRequestException('a completed upload cannot be terminated; upload the file again to replace it');
    await this.forget(uploadId, upload.itemId);
  }

  /** The upload is gone (its creation failed): forget it and its files. */
  async abandon(uploadId: string): Promise<void> {
    const upload = await this.prisma.upload.findUnique({ where: { id: uploadId } });
    if (!upload || upload.completedAt) return;
    await this.forget(uploadId, upload.itemId);
    await this.tusFiles.remove(uploadId);
    this.logger.log({ event: 'upload.abandoned', uploadId });
  }

  /** Completes an upload whose bytes all arrived but whose completion failed (see the controller's HEAD). */
  async completeIfAllBytesStored(uploadId: string): Promise<void> {
    const upload = await this.prisma.upload.findUnique({ where: { id: uploadId } });
    if (!upload) return;
    // Completed, but the release of tus's copy that follows completion failed: it goes now.
    if (upload.completedAt) return this.tusFiles.remove(uploadId);
    const stored = await stat(this.tusFiles.dataPath(uploadId)).catch(() => null);
    if (stored?.size !== Number(upload.size)) return;
    await this.complete(uploadId);
    await this.releaseIfCompleted(uploadId);
  }

  /** The size of a completed upload (null while it is not complete). */
  async completedSize(uploadId: string): Promise<number | null> {
    const upload = await this.prisma.upload.findUnique({
      where: { id: uploadId },
      select: { completedAt: true, size: true },
    });
    return upload?.completedAt ? Number(upload.size) : null;
  }

  /** Whether the upload's row is gone (its item or bundle was deleted, which removes its files). */
  async isGone(uploadId: string): Promise<boolean> {
    return (await this.prisma.upload.count({ where: { id: uploadId } })) === 0;
  }

  /** Once the bytes live in the blob store (see {@link complete}), tus's own copy goes. */
  async releaseIfCompleted(uploadId: string): Promise<void> {
    const upload = await this.prisma.upload.findUnique({ where: { id: uploadId }, select: { completedAt: true } });
    if (upload?.completedAt) await this.tusFiles.remove(uploadId);
  }

  private async forget(uploadId: string, itemId: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.upload.deleteMany({ where: { id: uploadId, completedAt: null } });
      const others = await tx.upload.count({ where: { itemId, completedAt: null } });
      if (!others)
        await tx.item.updateMany({ where: { id: itemId, status: 'UPLOADING' }, data: { status: 'AWAITING_UPLOAD' } });
    });
  }

  /**
   * The last byte arrived (called by tus before it answers): link the file into the blob store at
   * `uploads/<itemId>/<generation>` (tus still reads its copy while answering; the controller
   * releases it afterwards),
   * point the item at it (size, QUEUED, generation + 1) and queue the item's ingest (which fixes the
   * bundle's piece length if it is the first).
   */
  async complete(uploadId: string): Promise<{ itemId: string; generation: number; jobId: string }> {
    const upload = await this.prisma.upload.findUnique({
      where: { id: uploadId },
      include: { item: true, bundle: true },
    });
    // Prisma reads an include with separate queries: the item (or bundle) may be deleted in between.
    if (!upload || !(upload.item as typeof upload.item | null) || !(upload.bundle as typeof upload.bundle | null))
      throw new NotFoundException(`upload ${uploadId} not found (its bundle or item was deleted)`);
    assertUsable(upload.bundle);
    const generation = upload.item.ingestGeneration + 1;
    const key = uploadKey(upload.itemId, generation);
    await this.tusFiles.moveIntoStore(uploadId, key).catch(async (err: Error) => {
      // The item (or its bundle) was deleted while the last bytes arrived: its files went with it.
      if (!(await this.prisma.upload.count({ where: { id: uploadId } })))
        throw new NotFoundException(`upload ${uploadId} not found (its bundle or item was deleted)`);
      throw err;
    });

    let previousKey: string | null;
    try {
      // Under the bundle's row lock, like publish: either this completion commits first (the item is
      // QUEUED and publish refuses it as not READY) or publish does (the bundle left DRAFT: 409 here),
      // so a PUBLISHED bundle never gets an item that is not READY.
      previousKey = await this.prisma.$transaction(async (tx) => {
        await lockRow(tx, 'Bundle', upload.bundleId);
        const now = await tx.upload.findUnique({ where: { id: uploadId }, include: { item: true, bundle: true } });
        if (!now || !(now.item as typeof now.item | null) || !(now.bundle as typeof now.bundle | null))
          throw new NotFoundException(`upload ${uploadId} not found (its bundle or item was deleted)`);
        assertUsable(now.bundle);
        if (now.completedAt || now.item.ingestGeneration + 1 !== generation)
          throw new ConflictException(`item ${now.item.path} changed while this upload finished; upload it again`);
        // The declared size may have changed (PATCH) since this upload was created.
        assertDeclaredSize(now.item, Number(now.size));
        await tx.item.update({
          where: { id: now.itemId },
          data: {
            status: 'QUEUED',
            size: now.size,
            uploadKey: key,
            ingestGeneration: generation,
            progress: 0,
            bytesPerSecond: 0,
            failureReason: null,
            ingestStartedAt: null,
            ingestedAt: null,
          },
        });
        await tx.upload.update({ where: { id: uploadId }, data: { completedAt: new Date() } });
        return now.item.uploadKey;
      });
    } catch (err) {
      // Unless a concurrent completion of this same upload committed it, the linked copy is nobody's.
      if (!(await this.prisma.item.count({ where: { uploadKey: key } }))) await this.blobs.delete(key);
      throw err;
    }
    // The replaced file is of no use any more (a stale ingest of it must check the generation).
    if (previousKey && previousKey !== key) await this.blobs.delete(previousKey);

    const job = { itemId: upload.itemId, generation };
    const jobId = await this.jobs.enqueue(QueueName.Ingest, job).catch((err: Error) => {
      // The item is QUEUED in the database, which is the truth: the worker's sweeper enqueues it.
      this.logger.warn({ event: 'upload.enqueue_deferred', uploadId, itemId: upload.itemId, message: err.message });
      return this.jobs.idOf(QueueName.Ingest, job);
    });
    this.logger.log({
      event: 'upload.completed',
      uploadId,
      itemId: upload.itemId,
      bytes: Number(upload.size),
      generation,
      jobId,
    });
    return { ...job, jobId };
  }
}

/** 409 unless the upload's bundle still takes files. */
function assertUsable(bundle: { slug: string; status: string }): void {
  if (bundle.status !== 'DRAFT')
    throw new ConflictException(`bundle ${bundle.slug} is ${bundle.status}; the upload can no longer be used`);
}

/**
 * 400 when an upload's length is not the size declared for its item: the piece length was (or will
 * be) chosen from the declared sizes (docs/torrent-format.md, piece length).
 */
function assertDeclaredSize(item: { path: string; declaredSize: bigint | null }, size: number): void {
  if (item.declaredSize !== null && BigInt(size) !== item.declaredSize)
    throw new BadRequestException(
      `Upload-Length ${size} differs from the ${item.declaredSize} bytes declared for ${item.path}: upload the declared file, or change the item's size first (PATCH its size)`,
    );
}
