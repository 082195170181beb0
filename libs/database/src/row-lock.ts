import { Prisma } from './generated/client';

/** Tables whose rows serialise state changes (the row is the lock: a bundle's edits, an order's transitions…). */
export type LockableTable = 'Bundle' | 'Item' | 'License' | 'Order' | 'FanSignup' | 'User';

const TABLES: Record<LockableTable, Prisma.Sql> = {
  Bundle: Prisma.raw('"Bundle"'),
  Item: Prisma.raw('"Item"'),
  License: Prisma.raw('"License"'),
  Order: Prisma.raw('"Order"'),
  FanSignup: Prisma.raw('"FanSignup"'),
  User: Prisma.raw('"User"'),
};

/**
 * `SELECT … FOR UPDATE` on one row: holds it until the transaction ends, so concurrent
 * transactions that lock the same row run one after the other. Returns false when the row does
 * not exist (nothing is locked then).
 */
export async function lockRow(tx: Prisma.TransactionClient, table: LockableTable, id: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>(
    Prisma.sql`SELECT id FROM ${TABLES[table]} WHERE id = ${id}::uuid FOR UPDATE`,
  );
  return rows.length > 0;
}
