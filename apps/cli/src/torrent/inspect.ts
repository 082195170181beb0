import { readFileSync } from 'node:fs';
import { formatBytes, ParsedTorrent, parseTorrent, TorrentParseError } from '@keyseed/torrent';
import { CliError, ExitCode } from '../cli-error';

/** Read and parse a .torrent; malformed input becomes a one-line CliError (exit 10). */
export function loadTorrent(file: string): ParsedTorrent {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    throw new CliError(`cannot read ${file}`, ExitCode.NotFound);
  }
  try {
    return parseTorrent(data);
  } catch (err) {
    if (err instanceof TorrentParseError) throw new CliError(`${file}: ${err.message}`, ExitCode.CorruptData);
    throw err;
  }
}

/** A JSON-friendly summary of a torrent. */
export function describeTorrent(t: ParsedTorrent): Record<string, unknown> {
  return {
    name: t.name,
    version: t.version,
    infoHashV1: t.infoHashV1,
    infoHashV2: t.infoHashV2,
    pieceLength: t.pieceLength,
    pieces: t.piecesV1 ? t.piecesV1.length / 20 : null,
    totalSize: t.totalSize,
    singleFile: t.singleFile,
    private: t.private,
    announce: t.announce,
    webseeds: t.webseeds,
    comment: t.comment,
    createdBy: t.createdBy,
    creationDate: t.creationDate,
    magnet: t.magnet,
    files: t.files.map((f) => ({
      path: f.path.join('/'),
      length: f.length,
      ...(f.pad ? { pad: true } : {}),
      ...(f.piecesRoot ? { piecesRoot: f.piecesRoot.toString('hex') } : {}),
    })),
  };
}

/** `keyseed torrent inspect`: the text (or JSON) description of a .torrent. */
export function inspectTorrentCommand(file: string, options: { json?: boolean } = {}): string {
  const t = loadTorrent(file);
  if (options.json) return JSON.stringify(describeTorrent(t), null, 2);
  const lines = [
    `name:         ${t.name}`,
    `version:      ${t.version}${t.singleFile ? ' (single file)' : ''}`,
    ...(t.infoHashV1 ? [`info-hash v1: ${t.infoHashV1}`] : []),
    ...(t.infoHashV2 ? [`info-hash v2: ${t.infoHashV2}`] : []),
    `piece length: ${formatBytes(t.pieceLength)}`,
    ...(t.piecesV1 ? [`pieces:       ${t.piecesV1.length / 20}`] : []),
    `total size:   ${formatBytes(t.totalSize)} (${t.totalSize} bytes)`,
    ...t.announce.map((a) => `tracker:      ${a}`),
    ...t.webseeds.map((w) => `webseed:      ${w}`),
    ...(t.comment ? [`comment:      ${t.comment}`] : []),
    ...(t.createdBy ? [`created by:   ${t.createdBy}`] : []),
    ...(t.creationDate !== null ? [`created:      ${new Date(t.creationDate * 1000).toISOString()}`] : []),
    ...(t.private ? ['private:      yes'] : []),
    `magnet:       ${t.magnet}`,
    `files:`,
    ...t.files.filter((f) => !f.pad).map((f) => `  ${String(f.length).padStart(14)}  ${f.path.join('/')}`),
  ];
  return lines.join('\n');
}
