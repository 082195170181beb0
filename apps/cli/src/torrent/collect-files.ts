import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { assertSafePaths, comparePaths, UnsafePathError } from '@keyseed/torrent';
import { CliError, ExitCode } from '../cli-error';
import { DiskFile } from './hash-files';

export interface ContentFile extends DiskFile {
  /** Path segments inside the torrent. */
  segments: string[];
}

export interface Content {
  name: string;
  singleFile: boolean;
  files: ContentFile[];
  total: number;
}

/**
 * The files under `input`: a single file, or every regular file below a directory (symlinks are
 * followed only if they point to regular files; the torrent name is the directory's name).
 * Sorted byte-wise by path segments, the v2 file-tree order.
 */
export function collectContent(input: string): Content {
  const root = resolve(input);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new CliError(`no such file or directory: ${input}`, ExitCode.NotFound);
  }
  const name = basename(root);
  if (st.isFile())
    return { name, singleFile: true, files: [{ path: root, length: st.size, segments: [name] }], total: st.size };
  if (!st.isDirectory()) throw new CliError(`not a file or directory: ${input}`, ExitCode.InvalidInput);
  const files: ContentFile[] = [];
  const walk = (dir: string, prefix: string[]): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const segments = [...prefix, entry.name];
      const s = entry.isSymbolicLink() ? statSync(full, { throwIfNoEntry: false }) : lstatSync(full);
      if (!s) continue;
      if (s.isDirectory() && !entry.isSymbolicLink()) walk(full, segments);
      else if (s.isFile()) files.push({ path: full, length: s.size, segments });
    }
  };
  walk(root, []);
  if (files.length === 0) throw new CliError(`no files under ${input}`, ExitCode.InvalidInput);
  try {
    assertSafePaths(files.map((f) => f.segments));
  } catch (err) {
    if (err instanceof UnsafePathError) throw new CliError(err.message, ExitCode.InvalidInput);
    throw err;
  }
  files.sort((a, b) => comparePaths(a.segments, b.segments));
  return { name, singleFile: false, files, total: files.reduce((s, f) => s + f.length, 0) };
}
