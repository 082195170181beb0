import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '@keyseed/database';
import type { Item } from '@keyseed/database';
import { JobQueues, QueueName } from '@keyseed/queues';
import { BLOB_STORE, BlobStore, uploadKey } from '@keyseed/storage';

export interface IngestFixtureItem {
  path: string;
  locked: boolean;
  body: Buffer;
  previewPieces?: number;
}

/** A creator and a DRAFT bundle with a fixed piece length, written straight to the database. */
export async function createDraftBundle(app: INestApplicationContext, pieceLength: number, title = 'Ingest fixture') {
  const prisma = app.get(PrismaService);
  const creator = await prisma.user.create({
    data: {
      email: `creator-${randomUUID()}@example.test`,
      passwordHash: 'unused',
      displayName: 'Creator',
      roles: ['CREATOR'],
    },
  });
  return prisma.bundle.create({
    data: { slug: `ingest-${randomUUID().slice(0, 8)}`, title, creatorId: creator.id, pieceLength },
  });
}

/** What the API does when an upload completes: upload in the blob store, item QUEUED at the next generation. */
export async function completeUpload(
  app: INestApplicationContext,
  bundleId: string,
  fx: IngestFixtureItem,
  position = 0,
): Promise<Item> {
  const prisma = app.get(PrismaService);
  const store = app.get<BlobStore>(BLOB_STORE);
  const existing = await prisma.item.findUnique({ where: { bundleId_path: { bundleId, path: fx.path } } });
  const item =
    existing ??
    (await prisma.item.create({
      data: { bundleId, path: fx.path, position, locked: fx.locked, previewPieces: fx.previewPieces ?? 0 },
    }));
  const generation = item.ingestGeneration + 1;
  const key = uploadKey(item.id, generation);
  await store.put(key, fx.body);
  return prisma.item.update({
    where: { id: item.id },
    data: {
      status: 'QUEUED',
      size: fx.body.length,
      uploadKey: key,
      ingestGeneration: generation,
      progress: 0,
      failureReason: null,
    },
  });
}

/** Enqueues like the API's uploads service (the same JobQueues). */
export async function enqueueIngest(
  app: INestApplicationContext,
  item: Pick<Item, 'id' | 'ingestGeneration'>,
): Promise<string> {
  return app.get(JobQueues).enqueue(QueueName.Ingest, { itemId: item.id, generation: item.ingestGeneration });
}

/** Like POST /v1/bundles/:id/publish: bundle PUBLISHING, then its publish job. */
export async function enqueuePublish(app: INestApplicationContext, bundleId: string): Promise<void> {
  await app.get(PrismaService).bundle.update({ where: { id: bundleId }, data: { status: 'PUBLISHING' } });
  await app.get(JobQueues).enqueue(QueueName.Publish, { bundleId });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitForItem(
  app: INestApplicationContext,
  itemId: string,
  statuses: Item['status'][],
  timeoutMs = 60_000,
): Promise<Item> {
  const prisma = app.get(PrismaService);
  return waitFor(
    `item ${itemId} to be ${statuses.join('/')}`,
    async () => {
      const item = await prisma.item.findUniqueOrThrow({ where: { id: itemId } });
      return statuses.includes(item.status) ? item : null;
    },
    timeoutMs,
  );
}
