import { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { PrismaClient } from '@keyseed/database';
import { CliError, ExitCode } from '../cli-error';
import { readSecret } from '../prompt';

/** `keyseed admin …`: operator commands that talk to the platform's database directly. */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Operator commands (run on a platform host; reads DATABASE_URL)');
  admin
    .command('create')
    .description(
      'Create the first admin (or make an existing account admin). The password is prompted, or read from stdin when piped',
    )
    .requiredOption('--email <email>', 'admin e-mail address')
    .option('--name <name>', 'display name', 'Administrator')
    .action(async (opts: { email: string; name: string }) => {
      if (!/^[^@\s]+@[^@\s]+$/.test(opts.email))
        throw new CliError(`--email must be an e-mail address, got "${opts.email}"`, ExitCode.InvalidInput);
      await withDatabase(async (prisma) => {
        const exists = await prisma.user.findUnique({ where: { email: opts.email.trim().toLowerCase() } });
        const password = exists ? undefined : await readSecret('Password for the new admin (12+ characters): ');
        if (!exists && (!password || password.length < 12))
          throw new CliError('the password needs at least 12 characters', ExitCode.InvalidInput);
        const { ensureAdmin } = await import('@keyseed/auth');
        const result = await ensureAdmin(prisma, opts.email, password, opts.name);
        process.stdout.write(
          result.created
            ? `admin ${opts.email} created\n`
            : `${opts.email} already existed; it has the admin role now\n`,
        );
      });
    });
}

/** Opens the platform database (migrated) for an operator command; loaded lazily to keep `keyseed` quick. */
export async function withDatabase<T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  const [{ PrismaPg }, { loadConfig }, { applyMigrations, defaultMigrationsDir, PrismaClient }] = await Promise.all([
    import('@prisma/adapter-pg'),
    import('@keyseed/config'),
    import('@keyseed/database'),
  ]);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  try {
    await applyMigrations(config.DATABASE_URL, defaultMigrationsDir());
  } catch (err) {
    throw new CliError(
      `cannot reach the database at ${config.DATABASE_URL}: ${(err as Error).message}`,
      ExitCode.ApiUnreachable,
    );
  }
  const prisma: PrismaClient = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.DATABASE_URL }) });
  try {
    return await fn(prisma);
  } finally {
    await prisma.$disconnect();
  }
}
