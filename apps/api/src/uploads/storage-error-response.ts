import { statfs } from 'node:fs/promises';

/** Below this much free space the upload directory counts as full. */
const FULL_BELOW_BYTES = 1024 * 1024;

type TusError = Error | { status_code: number; body: string };

/**
 * What a client sees when tus fails on the server's side: never the internal message (ENOSPC with
 * its path, a stack's text), but 507 when the upload directory is out of space and 503 otherwise,
 * each with a plain reason; the upload keeps its offset and can be resumed. Errors tus or our
 * hooks meant for the client (status below 500) pass unchanged. `report` gets the real message.
 */
export async function storageErrorResponse(
  err: TusError,
  directory: string,
  report: (message: string) => void,
): Promise<{ status_code: number; body: string } | undefined> {
  const status = 'status_code' in err ? err.status_code : 500;
  if (status < 500) return undefined;
  const message = err instanceof Error ? err.message : err.body.trim();
  report(message);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || (await freeBytes(directory)) < FULL_BELOW_BYTES) {
    return {
      status_code: 507,
      body: 'the server has no room to store this upload right now; resume it later (HEAD gives the offset)\n',
    };
  }
  return {
    status_code: 503,
    body: 'the upload could not be stored right now; resume it later (HEAD gives the offset)\n',
  };
}

async function freeBytes(directory: string): Promise<number> {
  try {
    const fs = await statfs(directory);
    return fs.bavail * fs.bsize;
  } catch {
    return Infinity;
  }
}
