import { Inject, Injectable } from '@nestjs/common';
import {
  BLOB_STORE,
  BlobStore,
  itemPublishedKey,
  publishedPrefix,
  stagingPrefix,
  torrentPrefix,
  uploadPrefix,
} from '@keyseed/storage';
import { TusFilesService } from '../uploads/tus-files.service';

/** What a deleted item leaves to remove: its identity and the tus uploads it had. */
export interface DeletedItem {
  id: string;
  bundleId: string;
  path: string;
  locked: boolean;
  uploadIds: string[];
}

/**
 * Every stored byte of an item or a bundle, so that a deletion leaves nothing behind: tus uploads
 * in progress, completed (plaintext) uploads, ingest staging files, the published file, and for a
 * bundle its torrents. Called after the row's deletion has committed (a concurrent ingest commit
 * holds the item's row lock, so by then it has either finished or will find the item gone).
 */
@Injectable()
export class StoredFilesService {
  constructor(
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly tusFiles: TusFilesService,
  ) {}

  async removeItem(item: DeletedItem): Promise<void> {
    await Promise.all([
      ...item.uploadIds.map((id) => this.tusFiles.remove(id)),
      this.blobs.delete(uploadPrefix(item.id)),
      this.blobs.delete(stagingPrefix(item.id)),
      this.blobs.delete(itemPublishedKey(item.bundleId, item)),
    ]);
  }

  async removeBundle(bundleId: string, items: DeletedItem[]): Promise<void> {
    await Promise.all([
      ...items.map((i) => this.removeItem(i)),
      this.blobs.delete(publishedPrefix(bundleId)),
      this.blobs.delete(torrentPrefix(bundleId)),
    ]);
  }
}
