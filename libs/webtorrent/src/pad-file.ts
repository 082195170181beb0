import type { RandomAccess } from './webtorrent-types';

/** BEP 47: a pad file has `attr` containing "p"; by convention its path is `.pad/<size>`. */
const PAD_PATH = /(^|[\\/])\.pad[\\/]\d+$/;

export function isPadFile(path: string, attr?: Uint8Array | string): boolean {
  const a = attr === undefined ? '' : typeof attr === 'string' ? attr : Buffer.from(attr).toString('latin1');
  return a.includes('p') || PAD_PATH.test(path);
}

/** Reads zeros, swallows writes: a pad file that never touches the disk. */
export const ZERO_FILE: RandomAccess = {
  write: (_offset, _buf, cb) => queueMicrotask(() => cb(null)),
  read: (_offset, length, cb) => queueMicrotask(() => cb(null, new Uint8Array(length))),
  close: (cb) => queueMicrotask(() => cb(null)),
};
