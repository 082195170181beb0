// Loaded only by `prisma dev` (its local Prisma Postgres server), which Keyseed does not use.
export async function startLocalDurableStreamsServer() {
  throw new Error('prisma dev is not supported here (@prisma/streams-local is stubbed: it needs Node >= 22)');
}
