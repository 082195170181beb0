import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, BlobStat, BlobStore, ByteRange } from './blob-store';
import { mkdirPrivate, PRIVATE_FILE_MODE } from './private-files';

/**
 * BlobStore on a local directory: temp file + fsync + rename for atomic, durable puts. Files are
 * 0600 and directories 0700 whatever the umask (see private-files.ts).
 */
export class LocalDiskStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  localPath(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  async put(key: string, body: Readable | Buffer): Promise<BlobStat> {
    const target = this.localPath(key);
    await mkdirPrivate(dirname(target));
    const tmp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const out = createWriteStream(tmp, { mode: PRIVATE_FILE_MODE });
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, out);
      const fh = await fs.open(tmp, 'r');
      await fh.chmod(PRIVATE_FILE_MODE);
      await fh.sync().finally(() => fh.close());
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    const st = await fs.stat(target);
    return { size: st.size, mtime: st.mtime };
  }

  read(key: string, range?: ByteRange): Readable {
    const path = this.localPath(key);
    return createReadStream(
      path,
      range ? { start: range.start, end: range.end, highWaterMark: 1 << 20 } : { highWaterMark: 1 << 20 },
    );
  }

  async stat(key: string): Promise<BlobStat | null> {
    try {
      const st = await fs.stat(this.localPath(key));
      return st.isFile() ? { size: st.size, mtime: st.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async rename(fromKey: string, toKey: string): Promise<void> {
    const to = this.localPath(toKey);
    await mkdirPrivate(dirname(to));
    if (toKey.endsWith('/')) await fs.rm(to, { recursive: true, force: true });
    await fs.rename(this.localPath(fromKey), to);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.localPath(key), { recursive: key.endsWith('/'), force: true });
  }
}
