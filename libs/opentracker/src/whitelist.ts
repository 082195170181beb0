import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';

/**
 * opentracker's access list (docs/operations.md, external trackers): one 40-digit hex info-hash per
 * line; opentracker skips every line that does not start with one, so the header is a comment.
 * Sorted and deduplicated, so the same set always gives the same bytes.
 */
export function whitelistText(infoHashes: Iterable<string>): string {
  const hashes = [...new Set([...infoHashes].map((h) => h.toLowerCase()))].sort();
  for (const h of hashes) if (!/^[0-9a-f]{40}$/.test(h)) throw new Error(`not a 20-byte hex info-hash: ${h}`);
  return `# Keyseed: info-hashes of the published bundles (rewritten on publish and takedown)\n${hashes.map((h) => `${h}\n`).join('')}`;
}

/**
 * Replaces the file atomically: written and fsynced beside it, then renamed over it, so opentracker
 * (which maps the whole file on each reload) never reads half a list. World-readable: opentracker
 * drops its privileges before reading, and info-hashes are public.
 */
export async function writeWhitelist(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(temp, 'w', 0o644);
    try {
      await fh.writeFile(text);
      await fh.chmod(0o644);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export interface ReloadTarget {
  /** opentracker's PID file: the reload is a SIGHUP to that process. */
  pidFile?: string;
  /** Or a shell command that makes opentracker reload. */
  command?: string;
}

/** opentracker rereads its access list on SIGHUP (its accesslist thread waits for that signal). */
export async function reloadOpentracker(target: ReloadTarget): Promise<void> {
  if (target.pidFile) {
    const pid = Number((await readFile(target.pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${target.pidFile} does not hold a process id`);
    process.kill(pid, 'SIGHUP');
    return;
  }
  if (target.command) await promisify(execFile)('/bin/sh', ['-c', target.command], { timeout: 30_000 });
}
