import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { skewedBuffer } from './ingest-thread';

/** 1 MiB per `update`: ~0.7 ms of hashing per turn of the event loop. */
const READ = 1024 * 1024;

/**
 * Hex SHA-256 of the whole upload on the calling (event-loop) thread: positional reads on the libuv
 * pool, double-buffered so the next read runs while this one is hashed. The hash is sequential, so a
 * thread of its own bought no parallelism over the two piece threads but cost one more isolate
 * (~35–40 MiB of RSS); here it shares the cores with them the same way.
 */
export async function hashPlaintextAsync(
  path: string,
  length: number,
  onProgress: (bytes: number) => void,
  signal: { stopped: boolean },
): Promise<string> {
  const h = createHash('sha256');
  const bufs = [skewedBuffer(READ), skewedBuffer(READ)];
  const fh = await open(path, 'r');
  try {
    const readAt = async (buf: Buffer, pos: number): Promise<number> => {
      const n = Math.min(READ, length - pos);
      let done = 0;
      while (done < n) {
        const { bytesRead } = await fh.read(buf, done, n - done, pos + done);
        if (bytesRead === 0)
          throw new Error(
            `upload ${path} ended at ${pos + done} bytes, expected ${length}: the stored upload is shorter than the item's size`,
          );
        done += bytesRead;
      }
      return n;
    };
    let next: Promise<number> | null = length > 0 ? readAt(bufs[0], 0) : null;
    for (let pos = 0, i = 0; next; i ^= 1) {
      const n = await next;
      const buf = bufs[i];
      pos += n;
      next = pos < length && !signal.stopped ? readAt(bufs[i ^ 1], pos) : null;
      h.update(buf.subarray(0, n));
      onProgress(n);
    }
    if (signal.stopped) throw new Error('plaintext hash stopped');
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}
