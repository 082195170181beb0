import { Command } from 'commander';
import { withDatabase } from '../admin/admin.commands';
import { CliError, ExitCode } from '../cli-error';

/** `keyseed kek …`: operator commands for the platform's key-encryption keys (docs/operations.md, KEK rotation). */
export function registerKekCommands(program: Command): void {
  const kek = program
    .command('kek')
    .description('Key-encryption keys (run on a platform host; reads KEYSEED_KEK and DATABASE_URL)');
  kek
    .command('rotate')
    .description(
      'Re-wrap every content key under the newest KEK. Put the new KEK first in KEYSEED_KEK ("new,old"), run this, then drop the old one',
    )
    .option('--batch <rows>', 'rows per batch', '500')
    .action(async (opts: { batch: string }) => {
      const batchSize = Number(opts.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new CliError(`--batch must be a positive integer, got "${opts.batch}"`, ExitCode.InvalidInput);
      await withDatabase(async (prisma) => {
        // Loaded here, not at start-up: `keyseed` stays quick for commands that need no database.
        const [{ loadConfig }, { keyringFromConfig }, { rotateContentKeys }] = await Promise.all([
          import('@keyseed/config'),
          import('@keyseed/keyring'),
          import('./rotate-content-keys'),
        ]);
        const keyring = keyringFromConfig(loadConfig());
        process.stdout.write(`newest KEK ${keyring.current.id}; configured: ${keyring.ids.join(', ')}\n`);
        const r = await rotateContentKeys(prisma, keyring, {
          batchSize,
          onBatch: (p) => process.stderr.write(`… ${p.rewrapped} re-wrapped so far\n`),
        });
        process.stdout.write(
          `re-wrapped: ${r.rewrapped}\nalready under ${keyring.current.id}: ${r.alreadyCurrent}\nchanged meanwhile (left alone, re-run to cover): ${r.changedMeanwhile}\nfailed: ${r.failed.length}\n`,
        );
        for (const f of r.failed) process.stdout.write(`  item ${f.itemId}: ${f.reason}\n`);
        if (r.failed.length > 0) {
          throw new CliError(
            `${r.failed.length} content key(s) could not be re-wrapped; keep their old KEK configured until fixed`,
            ExitCode.Failure,
          );
        }
      });
    });
}
