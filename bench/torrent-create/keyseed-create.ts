/**
 * `keyseed torrent …` with only the torrent commands registered: the benchmark's entry point, so
 * the timing measures the torrent engine and not the start-up of unrelated CLI command groups.
 */
import { Command } from 'commander';
import { CliError } from '../../apps/cli/src/cli-error';
import { registerTorrentCommands } from '../../apps/cli/src/torrent/torrent.command';

const program = new Command('keyseed');
registerTorrentCommands(program);
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`keyseed: ${err.message}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
});
