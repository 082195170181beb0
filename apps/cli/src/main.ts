import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './admin/admin.commands';
import { registerBuyerCommands } from './buyer/buyer.commands';
import { CliError, ExitCode } from './cli-error';
import { registerKekCommands } from './kek/kek.commands';
import { registerTorrentCommands } from './torrent/torrent.command';

/**
 * `keyseed`: the buyer's and creator's command line. Each command group lives in its own folder
 * and registers itself here.
 */
function buildProgram(): Command {
  const program = new Command('keyseed')
    .description('Keyseed: sell and unlock media distributed over BitTorrent')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `\nExit codes:\n${Object.entries(ExitCode)
        .map(([k, v]) => `  ${v}  ${k}`)
        .join('\n')}`,
    );
  registerAdminCommands(program);
  registerKekCommands(program);
  registerBuyerCommands(program);
  registerTorrentCommands(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed the message (or the help text).
      process.exitCode = err.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`keyseed: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`keyseed: ${(err as Error).message}\n`);
    process.exitCode = ExitCode.Failure;
  }
}

void main();
