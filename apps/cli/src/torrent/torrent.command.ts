import { Command, Option } from 'commander';
import { parseByteSize, TorrentMode } from '@keyseed/torrent';
import { CliError, ExitCode } from '../cli-error';
import { createTorrentCommand } from './create';
import { describeTorrent, inspectTorrentCommand } from './inspect';
import { verifyTorrentCommand } from './verify';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `keyseed torrent create | inspect | verify`. */
export function registerTorrentCommands(program: Command): void {
  const torrent = program
    .command('torrent')
    .description('create, inspect and verify .torrent files (hybrid v1+v2 by default)');

  torrent
    .command('create')
    .description('hash a file or folder and write a .torrent (prints info-hashes and magnet link)')
    .argument('<file-or-dir>', 'content to share')
    .option('-o, --output <file>', 'where to write the torrent (default: <name>.torrent)')
    .option('--piece-length <size>', 'piece length, a power of two from 16KiB to 16MiB (default: automatic)')
    .addOption(new Option('--v1-only', 'classic v1 torrent (no pad files, no v2 hashes)').conflicts('v2Only'))
    .addOption(new Option('--v2-only', 'BitTorrent v2 only (BEP 52)').conflicts('v1Only'))
    .option('--announce <url>', 'tracker URL (repeatable)', collect, [])
    .option('--webseed <url>', 'web seed URL, BEP 19 (repeatable)', collect, [])
    .option('--comment <text>', 'comment')
    .option('--no-date', 'omit the creation date (reproducible output)')
    .option('--threads <n>', 'hashing threads (default: all cores)')
    .action(
      async (
        input: string,
        o: {
          output?: string;
          pieceLength?: string;
          v1Only?: boolean;
          v2Only?: boolean;
          announce: string[];
          webseed: string[];
          comment?: string;
          date: boolean;
          threads?: string;
        },
      ) => {
        let pieceLength: number | undefined;
        if (o.pieceLength !== undefined) {
          try {
            pieceLength = parseByteSize(o.pieceLength);
          } catch (err) {
            throw new CliError((err as Error).message, ExitCode.Usage);
          }
        }
        const mode: TorrentMode = o.v1Only ? 'v1' : o.v2Only ? 'v2' : 'hybrid';
        const r = await createTorrentCommand({
          input,
          output: o.output,
          pieceLength,
          mode,
          announce: o.announce,
          webseeds: o.webseed,
          comment: o.comment,
          noDate: !o.date,
          threads: o.threads ? Number(o.threads) : undefined,
        });
        const out = [
          `wrote ${r.output} (${r.mode}, ${r.pieceCount} pieces of ${r.pieceLength} bytes)`,
          ...(r.infoHashV1 ? [`info-hash v1: ${r.infoHashV1}`] : []),
          ...(r.infoHashV2 ? [`info-hash v2: ${r.infoHashV2}`] : []),
          `magnet: ${r.magnet}`,
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      },
    );

  torrent
    .command('inspect')
    .description('show what a .torrent contains; malformed input is reported precisely')
    .argument('<file.torrent>')
    .option('--json', 'machine-readable output')
    .action((file: string, o: { json?: boolean }) => {
      process.stdout.write(`${inspectTorrentCommand(file, o)}\n`);
    });

  torrent
    .command('verify')
    .description('check every piece (v1 and v2) of the data against a .torrent')
    .argument('<file.torrent>')
    .argument('<path>', 'the downloaded file, or the folder holding the content')
    .option('--json', 'machine-readable output')
    .action(async (file: string, path: string, o: { json?: boolean }) => {
      const r = await verifyTorrentCommand(file, path);
      const ok = r.bad.length === 0 && r.missing.length === 0;
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ok, torrent: describeTorrent(r.torrent).name, piecesChecked: r.piecesChecked, bad: r.bad, missing: r.missing }, null, 2)}\n`,
        );
      } else {
        for (const m of r.missing) process.stdout.write(`missing or short: ${m}\n`);
        for (const b of r.bad) {
          process.stdout.write(
            `bad ${b.version} piece ${b.piece}${b.pieceInFile !== undefined && b.pieceInFile !== b.piece ? ` (piece ${b.pieceInFile} of the file)` : ''}: ${b.file}\n`,
          );
        }
        process.stdout.write(
          `${ok ? 'ok' : 'FAILED'}: ${r.piecesChecked.v1} v1 and ${r.piecesChecked.v2} v2 pieces checked, ${r.bad.length} bad\n`,
        );
      }
      if (!ok)
        throw new CliError(
          `${r.bad.length} bad piece(s)${r.missing.length ? `, ${r.missing.length} missing or short file(s)` : ''}`,
          ExitCode.CorruptData,
        );
    });
}
