export { PrismaService } from './prisma.service';
export { DatabaseModule } from './database.module';
export { HotPathPool } from './hot-path-pool';
export { lockRow, LockableTable } from './row-lock';
export { isDatabaseUnavailable } from './connection-errors';
export { applyMigrations, createDatabaseIfMissing, dropDatabase, defaultMigrationsDir } from './migrate';
export * from './generated/client';
