#!/usr/bin/env node
// Generates the Prisma client into libs/database/src/generated. `prisma generate` does not run the
// schema engine, but it still tries to download it and fails offline; pointing it at any existing
// file skips that download. Migrations are applied by libs/database/src/migrate.ts instead.
const { spawnSync } = require('node:child_process');
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const r = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  stdio: 'inherit',
  env,
});
process.exit(r.status ?? 1);
