import { defineConfig } from 'prisma/config';

// The CLI (migrate, generate) reads the same DATABASE_URL as the apps; the default matches README.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/keyseed',
  },
});
