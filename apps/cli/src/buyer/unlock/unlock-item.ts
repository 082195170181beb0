import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { PieceCipher, pieceKeyAt } from '@keyseed/crypto';
import { CliError, ExitCode } from '../../cli-error';
import type { FilePieceHashes } from './piece-hashes';

/** Piece keys `first … first + keys.length/32 - 1` of one item. */
export interface ItemKeys {
  first: number;
  keys: Buffer;
}

export interface UnlockItemInput {
  /** Item path as the manifest names it (used in messages). */
  path: string;
  /** `<path>.locked` on disk. */
  lockedPath: string;
  /** Where the plaintext goes (`<out>/<path>`); previews go to `<outPath>.preview`. */
  outPath: string;
  size: number;
  /** Hex SHA-256 of the plaintext, from the manifest. */
  sha256: string | null;
  pieceLength: number;
  keys: ItemKeys;
  /** Ciphertext piece hashes from the torrent, when available: every piece is checked before it is decrypted. */
  pieceHashes?: FilePieceHashes | null;
  /** 'preview': decrypt only the pieces `keys` covers from piece 0, into `<outPath>.preview`. */
  mode?: 'full' | 'preview';
  onProgress?: (bytes: number) => void;
}

export interface UnlockItemResult {
  path: string;
  outPath: string;
  status: 'unlocked' | 'already-unlocked' | 'preview';
  bytes: number;
  /** Pieces checked against the torrent's hashes. */
  piecesVerified: number;
  ms: number;
}

/** A `.locked` file (or its result) is not what the torrent or the manifest says: names the file and the pieces. */
export class CorruptItemError extends CliError {
  constructor(
    readonly path: string,
    readonly badPieces: number[],
    detail: string,
  ) {
    super(detail, ExitCode.CorruptData);
  }
}

const TMP_SUFFIX = '.keyseed-partial';
const MAX_LISTED = 10;

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

/**
 * Decrypts one `.locked` file piece by piece (one piece buffer, whatever the file size): checks each
 * ciphertext piece against the torrent's SHA-1 when known, decrypts it with its piece key, writes it
 * to `<out>.keyseed-partial` and hashes the plaintext; the output is renamed into place only once its
 * SHA-256 equals the manifest's. A corrupt piece is named (file and piece index) and nothing is kept.
 * Idempotent: an output that already has the manifest's SHA-256 is left alone.
 */
export async function unlockItem(input: UnlockItemInput): Promise<UnlockItemResult> {
  const t0 = Date.now();
  const mode = input.mode ?? 'full';
  const L = input.pieceLength;
  const count = Math.ceil(input.size / L);
  const target = mode === 'preview' ? `${input.outPath}.preview` : input.outPath;

  if (mode === 'full' && input.sha256) {
    const existing = await statOrNull(input.outPath);
    if (existing?.isFile() && existing.size === input.size && (await sha256File(input.outPath)) === input.sha256) {
      return {
        path: input.path,
        outPath: input.outPath,
        status: 'already-unlocked',
        bytes: 0,
        piecesVerified: 0,
        ms: Date.now() - t0,
      };
    }
  }

  const locked = await statOrNull(input.lockedPath);
  if (!locked)
    throw new CliError(
      `${input.path}.locked is missing (${input.lockedPath}): download the bundle first, or point unlock at the right folder`,
      ExitCode.NotFound,
    );
  if (locked.size !== input.size) {
    throw new CorruptItemError(
      input.path,
      [],
      `${input.path}.locked is ${locked.size} bytes, the manifest says ${input.size}: the download is incomplete or the file was altered; let your BitTorrent client finish (or re-check) it`,
    );
  }

  const keyCount = input.keys.keys.length / 32;
  let pieces: number;
  if (mode === 'full') {
    if (input.keys.first !== 0 || keyCount < count)
      throw new CliError(
        `the keys received for ${input.path} cover pieces ${input.keys.first}..${input.keys.first + keyCount - 1}, not all ${count}`,
        ExitCode.Failure,
      );
    pieces = count;
  } else {
    pieces = input.keys.first === 0 ? Math.min(keyCount, count) : 0;
    if (pieces === 0) throw new CliError(`${input.path} has no preview pieces`, ExitCode.NoLicense);
  }
  const outBytes = Math.min(input.size, pieces * L);
  const hashes =
    input.pieceHashes && input.pieceHashes.count === count && input.pieceHashes.pieceLength === L
      ? input.pieceHashes
      : null;

  const tmp = `${target}${TMP_SUFFIX}`;
  await rm(tmp, { force: true });
  const src = await open(input.lockedPath, 'r');
  const dst = await open(tmp, 'w', 0o644);
  const buf = Buffer.allocUnsafe(L);
  const plainHash = createHash('sha256');
  const bad: number[] = [];
  let verified = 0;
  try {
    for (let i = 0; i < pieces; i++) {
      const start = i * L;
      const len = Math.min(L, input.size - start);
      await readFully(src, buf, len, start);
      if (hashes) {
        const span = i === count - 1 ? hashes.lastSpan : L;
        if (span !== null) {
          const h = createHash('sha1').update(buf.subarray(0, len));
          if (span > len) h.update(Buffer.alloc(span - len));
          if (!h.digest().equals(hashes.hashes.subarray(i * 20, i * 20 + 20))) {
            bad.push(i);
            continue;
          }
          verified++;
        }
      }
      if (bad.length > 0) continue; // keep checking to name every bad piece, write nothing more
      const piece = buf.subarray(0, len);
      new PieceCipher(pieceKeyAt(input.keys.keys, input.keys.first, i)).update(piece);
      plainHash.update(piece);
      await writeFully(dst, piece, start);
      input.onProgress?.(len);
    }
  } catch (err) {
    await dst.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await src.close();
  }
  if (bad.length > 0) {
    await dst.close();
    await rm(tmp, { force: true });
    const listed = bad.slice(0, MAX_LISTED).join(', ') + (bad.length > MAX_LISTED ? `, … (${bad.length} in all)` : '');
    throw new CorruptItemError(
      input.path,
      bad,
      `${input.path}.locked is corrupt: piece${bad.length > 1 ? 's' : ''} ${listed} of ${count} do${bad.length > 1 ? '' : 'es'} not match the torrent's hashes (bytes ${bad[0] * L}..${Math.min(input.size, (bad[0] + 1) * L) - 1} first); nothing was written. Re-check the download with your BitTorrent client (or run \`keyseed download\` again) and retry`,
    );
  }
  await dst.sync();
  await dst.close();

  if (mode === 'full' && input.sha256) {
    const got = plainHash.digest('hex');
    if (got !== input.sha256) {
      await rm(tmp, { force: true });
      throw new CorruptItemError(
        input.path,
        [],
        `${input.path}: the decrypted file's SHA-256 is ${got}, the manifest says ${input.sha256}${hashes ? '' : ' (no torrent piece hashes were available to locate the bad piece)'}; ${input.path}.locked is corrupt or the keys are wrong. Nothing was written`,
      );
    }
  }
  await rename(tmp, target);
  return {
    path: input.path,
    outPath: target,
    status: mode === 'preview' ? 'preview' : 'unlocked',
    bytes: outBytes,
    piecesVerified: verified,
    ms: Date.now() - t0,
  };
}

async function readFully(
  fh: import('node:fs/promises').FileHandle,
  buf: Buffer,
  len: number,
  position: number,
): Promise<void> {
  let off = 0;
  while (off < len) {
    const { bytesRead } = await fh.read(buf, off, len - off, position + off);
    if (bytesRead === 0) throw new CliError(`unexpected end of file at byte ${position + off}`, ExitCode.CorruptData);
    off += bytesRead;
  }
}

async function writeFully(fh: import('node:fs/promises').FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}
