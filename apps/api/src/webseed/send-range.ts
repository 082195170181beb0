import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Read size for disk files: large reads, few syscalls, few socket writes. */
const DISK_CHUNK = 1024 * 1024;

/**
 * Streams [start, end] (inclusive) of a file to the response with backpressure and without holding
 * the file in memory. A failure mid-body destroys the connection: the client sees a short body and
 * retries, which is what BEP 19 clients do.
 */
export async function sendRange(
  res: ServerResponse,
  source: { localPath: string | null; open(range?: { start: number; end: number }): Readable },
  start: number,
  end: number,
): Promise<void> {
  if (end < start) {
    res.end();
    return;
  }
  const body = source.localPath
    ? createReadStream(source.localPath, { start, end, highWaterMark: DISK_CHUNK })
    : source.open({ start, end });
  await pipeline(body, res);
}
