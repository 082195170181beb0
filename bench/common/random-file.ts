import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** A file of `bytes` random bytes at `path`, reused when one of that size is already there. */
export function makeRandomFile(path: string, bytes: number): string {
  if (existsSync(path) && statSync(path).size === bytes) return path;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  }
  closeSync(fd);
  return path;
}
