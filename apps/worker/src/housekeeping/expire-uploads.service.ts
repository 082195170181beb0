import { Inject, Injectable, Logger } from '@nestjs/common';
import { FileStore } from '@tus/file-store';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { BLOB_STORE, BlobStore, S3Store, tusUploadDirectory, TusUploadFiles } from '@keyseed/storage';

export interface ExpireUploadsResult {
  /** Upload rows past expiresAt that were removed with their files. */
  expired: number;
  /** Files in the tus directory past the expiry period that had no row any more. */
  swept: number;
}

/**
 * Abandoned tus uploads: an unfinished upload past its `expiresAt` (UPLOAD_EXPIRY_HOURS after
 * creation) loses its row and its partial file; its item goes back to AWAITING_UPLOAD unless
 * another upload for it is under way. Then @tus/file-store's own sweep removes partial files whose
 * row is already gone (item or bundle deleted mid-upload).
 */
@Injectable()
export class ExpireUploadsService {
  private readonly logger = new Logger('housekeeping');
  private readonly directory: string;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly tusFiles: TusUploadFiles,
  ) {
    this.directory = tusUploadDirectory(config.DATA_DIR);
  }

  async run(now = new Date()): Promise<ExpireUploadsResult> {
    const stale = await this.prisma.upload.findMany({
      where: { completedAt: null, expiresAt: { lte: now } },
      select: { id: true, itemId: true },
    });
    for (const upload of stale) {
      await this.prisma.$transaction(async (tx) => {
        const { count } = await tx.upload.deleteMany({ where: { id: upload.id, completedAt: null } });
        if (!count) return; // completed or removed meanwhile
        const others = await tx.upload.count({ where: { itemId: upload.itemId, completedAt: null } });
        if (!others)
          await tx.item.updateMany({
            where: { id: upload.itemId, status: 'UPLOADING' },
            data: { status: 'AWAITING_UPLOAD' },
          });
      });
      await this.tusFiles.remove(upload.id);
    }
    // On S3, uploads whose row is already gone are left to the bucket's lifecycle rule (README).
    const swept = this.blobs instanceof S3Store ? 0 : await this.sweepOrphans();
    const result = { expired: stale.length, swept };
    if (result.expired || result.swept) this.logger.log({ event: 'uploads.expired', ...result });
    return result;
  }

  private async sweepOrphans(): Promise<number> {
    const store = new FileStore({
      directory: this.directory,
      expirationPeriodInMilliseconds: this.config.UPLOAD_EXPIRY_HOURS * 3_600_000,
    });
    try {
      return await store.deleteExpired();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0; // no upload ever made here
      throw err;
    }
  }
}
