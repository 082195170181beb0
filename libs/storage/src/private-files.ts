import { chmodSync, mkdirSync, promises as fs } from 'node:fs';
import { dirname, relative, sep } from 'node:path';

/**
 * Everything under DATA_DIR is readable by the platform's own user only: uploads are unreleased
 * films in clear. Modes are set explicitly after creation, so the process umask does not matter.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** `mkdir -p` whose every created directory is 0700. */
export async function mkdirPrivate(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first) for (const d of chain(first, dir)) await fs.chmod(d, PRIVATE_DIR_MODE);
}

/** Synchronous `mkdirPrivate` that also makes an existing `dir` 0700 (start-up: the data directory itself). */
export function mkdirPrivateSync(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const d of first ? chain(first, dir) : [dir]) chmodSync(d, PRIVATE_DIR_MODE);
}

export async function chmodPrivate(file: string): Promise<void> {
  await fs.chmod(file, PRIVATE_FILE_MODE);
}

/** `first`, then each directory below it down to `last`. */
function chain(first: string, last: string): string[] {
  const out = [first];
  const rest = relative(first, last);
  if (!rest) return out;
  let d = first;
  for (const part of rest.split(sep)) {
    d = `${d}${sep}${part}`;
    out.push(d);
  }
  return out.filter((p) => dirname(p) !== p);
}
