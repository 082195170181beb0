import { CryptoError, Keyring, rewrapContentKey } from '@keyseed/crypto';
import type { PrismaClient } from '@keyseed/database';

export interface RotateResult {
  /** Re-wrapped under the newest KEK by this run. */
  rewrapped: number;
  /** Already under the newest KEK (untouched). */
  alreadyCurrent: number;
  /** Changed by someone else between read and write (e.g. a re-ingest): left as they are. */
  changedMeanwhile: number;
  /** Could not be unwrapped (KEK not configured, or a damaged value): item id and why. */
  failed: { itemId: string; reason: string }[];
}

/**
 * Re-wraps every stored content key that is not under the keyring's newest KEK (docs/operations.md, KEK rotation):
 * in batches by item id; each row is written only if its wrapped key and KEK id are still the ones
 * read (optimistic), so a concurrent ingest or rotation is never overwritten. Safe to re-run.
 */
export async function rotateContentKeys(
  prisma: PrismaClient,
  keyring: Keyring,
  options: { batchSize?: number; onBatch?: (done: RotateResult) => void } = {},
): Promise<RotateResult> {
  const current = keyring.current.id;
  const batchSize = options.batchSize ?? 500;
  const result: RotateResult = { rewrapped: 0, alreadyCurrent: 0, changedMeanwhile: 0, failed: [] };
  result.alreadyCurrent = await prisma.item.count({ where: { wrappedKey: { not: null }, kekId: current } });
  let after: string | undefined;
  for (;;) {
    const rows = await prisma.item.findMany({
      where: {
        wrappedKey: { not: null },
        OR: [{ kekId: { not: current } }, { kekId: null }],
        ...(after ? { id: { gt: after } } : {}),
      },
      select: { id: true, wrappedKey: true, kekId: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    for (const row of rows) {
      if (!row.kekId) {
        result.failed.push({ itemId: row.id, reason: 'wrapped key has no KEK id' });
        continue;
      }
      let next;
      try {
        next = rewrapContentKey(keyring, row.id, row.wrappedKey!, row.kekId);
      } catch (err) {
        if (!(err instanceof CryptoError)) throw err;
        result.failed.push({ itemId: row.id, reason: err.message });
        continue;
      }
      const { count } = await prisma.item.updateMany({
        where: { id: row.id, kekId: row.kekId, wrappedKey: { equals: row.wrappedKey! } },
        data: { wrappedKey: new Uint8Array(next.wrappedKey), kekId: next.kekId },
      });
      if (count === 1) result.rewrapped++;
      else result.changedMeanwhile++;
    }
    options.onBatch?.(result);
  }
  return result;
}
