/** File system errors of an ingest attempt; any other error's message is the creator's to read. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const STORAGE = new Set([
  'EIO',
  'ENOENT',
  'EACCES',
  'EPERM',
  'EROFS',
  'EMFILE',
  'ENFILE',
  'EISDIR',
  'ENOTDIR',
  'EBUSY',
  'EXDEV',
]);

/**
 * What the creator reads about a failed attempt: a file system error's message names server paths
 * ("ENOSPC: no space left on device, write '/srv/data/…'"), so it is told by its code instead (the
 * full message goes to the log). An error from an ingest thread, or recorded by BullMQ, keeps only
 * its message, so the code is read from the message's start as well.
 */
export function creatorFacing(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? /^(E[A-Z]+):/.exec(err.message)?.[1];
  if (code && DISK_FULL.has(code)) return 'the server ran out of disk space; upload the file again later';
  if (code && STORAGE.has(code)) return `a storage error on the server (${code}); upload the file again`;
  return err.message;
}
