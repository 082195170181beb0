/**
 * SQLSTATE classes and codes that mean the connection, not the query, failed: 08 (connection
 * exception), 57P01–57P03 (the server terminated the backend: pg_terminate_backend, shutdown, not
 * accepting connections yet), 53300 (too many connections).
 */
const CONNECTION_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
/** Prisma's codes for an unreachable database or a connection it lost (P2028: no connection to start a transaction). */
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2028']);
/** Driver adapter error kinds for the same (@prisma/adapter-pg). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** node-postgres's own messages when its connection died under a query or transaction. */
const PG_MESSAGES =
  /Connection terminated|not queryable|terminating connection|ECONNREFUSED|ECONNRESET|Can't reach database server/;

interface MaybeDbError {
  name?: string;
  code?: unknown;
  message?: string;
  meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string; originalCode?: string } } };
}

/**
 * True when `err` (from Prisma, its pg adapter or node-postgres) says PostgreSQL could not be
 * reached or dropped the connection: the request can be retried as it is, so it is answered 503,
 * not 500 (docs/operations.md).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as MaybeDbError;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string' && (PRISMA_CONNECTION_CODES.has(e.code) || CONNECTION_SQLSTATE.test(e.code)))
    return true;
  const cause = e.meta?.driverAdapterError?.cause;
  if (
    cause &&
    (ADAPTER_KINDS.has(cause.kind ?? '') || CONNECTION_SQLSTATE.test(cause.originalCode ?? cause.code ?? ''))
  )
    return true;
  return PG_MESSAGES.test(e.message ?? '');
}
