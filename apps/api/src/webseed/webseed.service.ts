import { Inject, Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { BLOB_STORE, BlobStore, ByteRange } from '@keyseed/storage';
import { Representation } from './http-range';
import { PublishedBundle, PublishedFiles } from './published-files';
import { WebseedTarget } from './webseed-path';

/** A servable file: its validators plus a way to get its bytes. */
export interface WebseedFile extends Representation {
  bundle: PublishedBundle;
  /** A piece-bearing file of the torrent (not a pad file, not keyseed.json): the swarm policy applies. */
  inSwarm: boolean;
  contentType: string;
  /** Local file path when the blob store is disk-backed (fast path), else null. */
  localPath: string | null;
  open(range?: ByteRange): Readable;
}

/** Pad files (BEP 47) are zeros; one shared buffer serves them all. */
const ZEROS = Buffer.alloc(16 * 1024 * 1024);
const EPOCH = new Date(0);

/** Resolves webseed targets to published files, only for bundles the webseed may serve. */
@Injectable()
export class WebseedService {
  constructor(
    private readonly published: PublishedFiles,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
  ) {}

  /** The file, or null when the bundle is not served or has no such file (→ 404). */
  async resolve(target: WebseedTarget): Promise<WebseedFile | null> {
    const bundle = await this.published.bySlug(target.slug);
    if (!bundle) return null;
    if (target.kind === 'pad') {
      if (bundle.pieceLength && target.size >= bundle.pieceLength) return null;
      return padFile(bundle, target.size);
    }
    const file = bundle.files.get(target.relPath);
    if (!file) return null;
    const stat = await this.published.statOf(file);
    if (!stat) return null;
    return {
      bundle,
      inSwarm: target.relPath !== 'keyseed.json',
      size: stat.size,
      etag: `"${bundle.version}-${stat.size.toString(16)}"`,
      lastModified: bundle.publishedAt ?? stat.mtime,
      contentType: target.relPath === 'keyseed.json' ? 'application/json' : 'application/octet-stream',
      localPath: this.store.localPath(file.key),
      open: (range) => this.store.read(file.key, range),
    };
  }
}

function padFile(bundle: PublishedBundle, size: number): WebseedFile {
  return {
    bundle,
    inSwarm: false,
    size,
    etag: `"pad-${size.toString(16)}"`,
    lastModified: EPOCH,
    contentType: 'application/octet-stream',
    localPath: null,
    open: (range) => Readable.from([range ? ZEROS.subarray(range.start, range.end + 1) : ZEROS.subarray(0, size)]),
  };
}
