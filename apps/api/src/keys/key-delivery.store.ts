import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { QueryConfig } from 'pg';
import { HotPathPool } from '@keyseed/database';
import type { TokenAlong } from '../auth/bearer-authenticator';
import { tokenOwnerSql, TokenQueryRow } from '../auth/token-store';
import { BatchedReads } from '../common/batched-reads';
import { GroupCommit } from '../common/group-commit';
import { KEY_PATH_SPACING_MS } from './key-path-spacing';

/** What key delivery needs of an item; pieceCount = length of the v1 piece hashes / 20. */
export interface ItemRow {
  id: string;
  locked: boolean;
  status: string;
  previewPieces: number;
  wrappedKey: Buffer | null;
  kekId: string | null;
  plaintextSha256: string | null;
  /** Sealed with the content key when present (docs/key-scheme.md, plaintext piece root). */
  plaintextPieceRoot: string | null;
  pieceCount: number;
  /** Unlocked by the email gate (EMAIL_GATE licenses get keys for these items only). */
  emailGated: boolean;
}

export interface LicenseRow {
  buyerId: string;
  bundleId: string;
  status: string;
  statusReason: string | null;
  /** PURCHASE or EMAIL_GATE (docs/architecture.md, email gate). */
  source: string;
  bundleStatus: string;
  /** A premiere's release time: no license delivery before it. */
  releaseAt: Date | null;
  deviceId: string | null;
  publicKey: string | null;
  deviceRemoved: boolean;
  items: ItemRow[];
}

export interface DeliveryRecord {
  licenseId: string | null;
  deviceId: string | null;
  userId: string | null;
  itemId: string;
  firstPiece: number;
  lastPiece: number;
  preview: boolean;
  address: string;
}

/** One row of ITEM_COLUMNS as node-postgres returns it (item columns are null when the bundle has no items). */
interface ItemColumns {
  itemId: string | null;
  locked: boolean;
  itemStatus: string;
  previewPieces: number;
  wrappedKey: Buffer | null;
  kekId: string | null;
  plaintextSha256: string | null;
  plaintextPieceRoot: string | null;
  pieceCount: string | number;
  emailGated: boolean;
}

interface BundleQueryRow extends ItemColumns {
  bundleStatus: string;
}

interface LicenseQueryRow extends BundleQueryRow {
  buyerId: string | null;
  bundleId: string;
  status: string;
  statusReason: string | null;
  source: string;
  releaseAtMs: number | null;
  deviceId: string | null;
  publicKey: string | null;
  deviceRemoved: boolean;
}

interface TokenAndLicenseRow extends LicenseQueryRow, Omit<TokenQueryRow, 'id'> {
  tokenId: string;
}

/** Which key of a batched read a row answers (1-based, the key's position). */
interface Numbered {
  n: number;
}

interface LicenseKey {
  licenseId: string;
  deviceId: string;
}

interface TokenLicenseKey extends LicenseKey {
  tokenHash: string;
}

/** Matches no row: every real id is a random (version 4) UUID. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const ITEM_COLUMNS = `i.id AS "itemId", i.locked, i.status::text AS "itemStatus", i."previewPieces", i."wrappedKey", i."kekId", i."plaintextSha256", i."plaintextPieceRoot", i."emailGated",
  COALESCE(octet_length(i."pieceHashesV1"), 0) / 20 AS "pieceCount"`;

// A delivery's license, its bundle's status, the device and every item; `license` and `device` are
// the SQL expressions of the ids asked for (columns of the batch below).
const licenseRowsSql = (license: string, device: string) => `
  SELECT l."buyerId", l."bundleId", l.status::text AS status, l."statusReason", l.source::text AS source, b.status::text AS "bundleStatus",
         (extract(epoch FROM b."releaseAt") * 1000)::float8 AS "releaseAtMs", d.id AS "deviceId", d."publicKey", d."removedAt" IS NOT NULL AS "deviceRemoved",
         i.position AS "itemPosition", ${ITEM_COLUMNS}
  FROM "License" l JOIN "Bundle" b ON b.id = l."bundleId"
  LEFT JOIN "Device" d ON d.id = ${device} AND d."licenseId" = l.id
  LEFT JOIN "Item" i ON i."bundleId" = l."bundleId"
  WHERE l.id = ${license}`;

// Concurrent deliveries' licenses in one round trip (BatchedReads): the rows of the n-th
// (license, device) pair carry n; a license that does not exist has none.
const LICENSES_SQL = `
  SELECT r.n::int AS n, lic.*
  FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS r("licenseId", "deviceId", n)
  JOIN LATERAL (${licenseRowsSql('r."licenseId"', 'r."deviceId"')}) lic ON true
  ORDER BY r.n, lic."itemPosition"`;

// First requests (tokens not cached yet): each bearer token's owner and the license rows, for
// concurrent requests in one round trip. No row for n: its token is not live; license columns
// null: no such license.
const TOKENS_AND_LICENSES_SQL = `
  SELECT r.n::int AS n, tok.id AS "tokenId", tok."expiresAtMs", tok."lastUsedAtMs", tok."userId", tok.email, tok."displayName", tok.roles, lic.*
  FROM unnest($1::text[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS r("tokenHash", "licenseId", "deviceId", n)
  JOIN LATERAL (${tokenOwnerSql('r."tokenHash"')}) tok ON true
  LEFT JOIN LATERAL (${licenseRowsSql('r."licenseId"', 'r."deviceId"')}) lic ON true
  ORDER BY r.n, lic."itemPosition"`;

const BUNDLE_SQL = `
  SELECT b.status::text AS "bundleStatus", ${ITEM_COLUMNS}
  FROM "Bundle" b LEFT JOIN "Item" i ON i."bundleId" = b.id
  WHERE b.id = $1::uuid
  ORDER BY i.position`;

// Any number of rows in one statement of fixed text (prepared once per connection).
const AUDIT_SQL = `
  INSERT INTO "KeyDelivery" (id, "licenseId", "deviceId", "userId", "itemId", "firstPiece", "lastPiece", preview, address, "createdAt")
  SELECT gen_random_uuid(), r.*, now()
  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int[], $6::int[], $7::bool[], $8::text[]) AS r`;

/**
 * SQL of key delivery over node-postgres, without Prisma's client runtime (which costs several
 * times the query itself on this path): named prepared statements; each delivery's license (with
 * the bearer token's lookup when it is not cached yet) read in a statement shared by the concurrent
 * deliveries (BatchedReads: one round trip for a burst's worth of first requests, each license
 * still read after its request arrived); KeyDelivery rows written by group commit (concurrent
 * deliveries share one INSERT; each caller waits for the write that carries its rows).
 */
@Injectable()
export class KeyDeliveryStore implements OnModuleDestroy {
  private readonly audit = new GroupCommit<DeliveryRecord>((rows) => this.insert(rows), {
    spacingMs: KEY_PATH_SPACING_MS,
  });
  private readonly licenses = new BatchedReads<LicenseKey, LicenseRow | null>((keys) => this.readLicenses(keys), {
    spacingMs: KEY_PATH_SPACING_MS,
  });
  private readonly tokensAndLicenses = new BatchedReads<TokenLicenseKey, TokenAlong<LicenseRow | null>>(
    (keys) => this.readTokensAndLicenses(keys),
    { spacingMs: KEY_PATH_SPACING_MS },
  );

  constructor(private readonly pool: HotPathPool) {}

  /** The license with its bundle, the device (when registered to it) and the bundle's items; null when there is no such license. */
  license(licenseId: string, deviceId: string): Promise<LicenseRow | null> {
    return this.licenses.get({ licenseId, deviceId });
  }

  /**
   * The bearer token whose hash is `tokenHash` (with its owner) and `license(licenseId, deviceId)`,
   * in one statement: for BearerAuthenticator.requireUserWith, when the token is not cached.
   * Both ids must be UUIDs (a malformed one would fail the batch it is in).
   */
  tokenAndLicense(tokenHash: string, licenseId: string, deviceId: string): Promise<TokenAlong<LicenseRow | null>> {
    return this.tokensAndLicenses.get({ tokenHash, licenseId, deviceId });
  }

  /** The bundle's status and items; null when there is no such bundle. */
  async bundle(bundleId: string): Promise<{ bundleStatus: string; items: ItemRow[] } | null> {
    const { rows } = await this.pool.query<BundleQueryRow>({
      name: 'keys.bundle',
      text: BUNDLE_SQL,
      values: [bundleId],
    });
    return rows.length === 0 ? null : { bundleStatus: rows[0].bundleStatus, items: itemsOf(rows) };
  }

  /** Resolves once the rows are in KeyDelivery. */
  record(rows: DeliveryRecord[]): Promise<void> {
    return this.audit.add(rows);
  }

  /** Each statement of this store with values that match no row and change nothing (the key path's warm-up). */
  warmUpQueries(): QueryConfig[] {
    return [
      { name: 'keys.licenses', text: LICENSES_SQL, values: [[NIL_UUID], [NIL_UUID]] },
      { name: 'keys.tokens_licenses', text: TOKENS_AND_LICENSES_SQL, values: [[''], [NIL_UUID], [NIL_UUID]] },
      { name: 'keys.bundle', text: BUNDLE_SQL, values: [NIL_UUID] },
      { name: 'keys.audit', text: AUDIT_SQL, values: [[], [], [], [], [], [], [], []] },
    ];
  }

  async onModuleDestroy(): Promise<void> {
    await this.audit.drain();
  }

  private async readLicenses(keys: LicenseKey[]): Promise<(LicenseRow | null)[]> {
    const { rows } = await this.pool.query<LicenseQueryRow & Numbered>({
      name: 'keys.licenses',
      text: LICENSES_SQL,
      values: [keys.map((k) => k.licenseId), keys.map((k) => k.deviceId)],
    });
    return byRequest(rows, keys.length).map(licenseOf);
  }

  private async readTokensAndLicenses(keys: TokenLicenseKey[]): Promise<TokenAlong<LicenseRow | null>[]> {
    const { rows } = await this.pool.query<TokenAndLicenseRow & Numbered>({
      name: 'keys.tokens_licenses',
      text: TOKENS_AND_LICENSES_SQL,
      values: [keys.map((k) => k.tokenHash), keys.map((k) => k.licenseId), keys.map((k) => k.deviceId)],
    });
    return byRequest(rows, keys.length).map((own) => {
      if (own.length === 0) return { token: null, rows: null };
      const [t] = own;
      return {
        token: {
          id: t.tokenId,
          expiresAtMs: t.expiresAtMs,
          lastUsedAtMs: t.lastUsedAtMs,
          userId: t.userId,
          email: t.email,
          displayName: t.displayName,
          roles: t.roles,
        },
        rows: licenseOf(own),
      };
    });
  }

  private async insert(rows: DeliveryRecord[]): Promise<void> {
    const col = <K extends keyof DeliveryRecord>(k: K) => rows.map((r) => r[k]);
    await this.pool.query({
      name: 'keys.audit',
      text: AUDIT_SQL,
      values: [
        col('licenseId'),
        col('deviceId'),
        col('userId'),
        col('itemId'),
        col('firstPiece'),
        col('lastPiece'),
        col('preview'),
        col('address'),
      ],
    });
  }
}

/** Rows of a batched read (ordered by n, 1-based) split into one array per key. */
function byRequest<T extends Numbered>(rows: T[], keys: number): T[][] {
  const out: T[][] = Array.from({ length: keys }, () => []);
  for (const row of rows) out[row.n - 1].push(row);
  return out;
}

/** The license of licenseRowsSql rows; null when there are none or the license columns are null (no such license). */
function licenseOf(rows: LicenseQueryRow[]): LicenseRow | null {
  const [l] = rows;
  if (!l || l.buyerId === null) return null;
  return {
    buyerId: l.buyerId,
    bundleId: l.bundleId,
    status: l.status,
    statusReason: l.statusReason,
    source: l.source,
    bundleStatus: l.bundleStatus,
    // As epoch ms: node-postgres would read a timestamp without time zone in the process's zone.
    releaseAt: l.releaseAtMs === null ? null : new Date(l.releaseAtMs),
    deviceId: l.deviceId,
    publicKey: l.publicKey,
    deviceRemoved: l.deviceRemoved,
    items: itemsOf(rows),
  };
}

function itemsOf(rows: ItemColumns[]): ItemRow[] {
  return rows.flatMap((r) =>
    r.itemId === null
      ? []
      : [
          {
            id: r.itemId,
            locked: r.locked,
            status: r.itemStatus,
            previewPieces: r.previewPieces,
            wrappedKey: r.wrappedKey,
            kekId: r.kekId,
            plaintextSha256: r.plaintextSha256,
            plaintextPieceRoot: r.plaintextPieceRoot,
            pieceCount: Number(r.pieceCount),
            emailGated: r.emailGated,
          },
        ],
  );
}
