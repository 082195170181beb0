import { writeFileSync } from 'node:fs';
import {
  assertPieceLength,
  buildTorrent,
  buildV1Torrent,
  BuiltTorrent,
  choosePieceLength,
  TorrentMode,
} from '@keyseed/torrent';
import { CliError, ExitCode } from '../cli-error';
import { collectContent } from './collect-files';
import { hashFiles, hashV1Stream } from './hash-files';
import { ProgressBar } from './progress';

export interface CreateOptions {
  input: string;
  /** Default `<name>.torrent` in the current directory. */
  output?: string;
  /** Default: {@link choosePieceLength} of the content size. */
  pieceLength?: number;
  mode?: TorrentMode;
  announce?: string[];
  webseeds?: string[];
  comment?: string;
  /** Omit `creation date` (reproducible output). */
  noDate?: boolean;
  /** Hashing threads (default: all cores). */
  threads?: number;
  /** Show a progress bar on stderr when it is a terminal. */
  progress?: boolean;
}

export interface CreateResult extends BuiltTorrent {
  output: string;
  pieceLength: number;
  totalSize: number;
  /** Pieces in the torrent: v1 pieces (pads included), or the v2 per-file pieces of a v2-only one. */
  pieceCount: number;
  mode: TorrentMode;
}

/**
 * `keyseed torrent create`: hash the content once (both cores) and write the torrent.
 * Hybrid and v2 hash each file on its own (files padded to piece boundaries); v1-only hashes the
 * classic concatenation, files in byte-wise full-path order as mktorrent orders them.
 */
export async function createTorrentCommand(options: CreateOptions): Promise<CreateResult> {
  const mode = options.mode ?? 'hybrid';
  const content = collectContent(options.input);
  if (content.total === 0)
    throw new CliError('cannot make a torrent of empty content (all files are 0 bytes)', ExitCode.InvalidInput);
  let pieceLength: number;
  try {
    pieceLength =
      options.pieceLength === undefined ? choosePieceLength(content.total) : assertPieceLength(options.pieceLength);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Usage);
  }
  const meta = {
    announce: options.announce ?? [],
    webseeds: options.webseeds ?? [],
    comment: options.comment,
    creationDate: options.noDate ? null : undefined,
  };
  const bar = new ProgressBar('hashing', content.total);
  const pool = { threads: options.threads, onProgress: options.progress === false ? undefined : bar.tick };
  let built: BuiltTorrent;
  let pieceCount: number;
  try {
    if (mode === 'v1') {
      const files = content.singleFile
        ? content.files
        : [...content.files].sort((a, b) =>
            Buffer.compare(Buffer.from(a.segments.join('/')), Buffer.from(b.segments.join('/'))),
          );
      const { pieces } = await hashV1Stream(files, pieceLength, pool);
      pieceCount = pieces.length / 20;
      built = buildV1Torrent({
        ...meta,
        name: content.name,
        pieceLength,
        pieces,
        singleFile: content.singleFile,
        files: files.map((f) => ({ path: f.segments, length: f.length })),
      });
    } else {
      const { hashes } = await hashFiles(content.files, pieceLength, { ...pool, v1: mode === 'hybrid', v2: true });
      pieceCount = hashes.reduce((n, h) => n + Math.ceil(h.length / pieceLength), 0);
      built = buildTorrent({
        ...meta,
        name: content.name,
        mode,
        singleFile: content.singleFile,
        files: content.files.map((f, i) => ({ path: f.segments, hashes: hashes[i] })),
      });
    }
  } finally {
    bar.finish();
  }
  const output = options.output ?? `${content.name}.torrent`;
  try {
    writeFileSync(output, built.torrent);
  } catch (err) {
    throw new CliError(`cannot write ${output}: ${(err as Error).message}`, ExitCode.Failure);
  }
  return { ...built, output, pieceLength, totalSize: content.total, pieceCount, mode };
}
