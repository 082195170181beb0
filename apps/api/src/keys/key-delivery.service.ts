import { BadRequestException, ConflictException, ForbiddenException, GoneException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CryptoError, importDevicePublicKey, Keyring, KeySetItem, PREVIEW_LICENSE_ID, sealKeySet, SealedKeySet } from '@keyseed/crypto';
import { BundleStatus, Prisma, PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { KeyRateLimiter } from './key-rate-limiter';
import { PieceKeyCache } from './piece-key-cache';
import { PieceRangeDto } from './dtos/request-keys.dto';

/** The device id in the AAD of preview deliveries: "keyseed/v1|preview|preview" (DESIGN §3). */
export const PREVIEW_DEVICE_ID = 'preview';

/** What key delivery needs of an item; pieceCount = length of the v1 piece hashes / 20. */
interface ItemRow {
  id: string;
  locked: boolean;
  status: string;
  previewPieces: number;
  wrappedKey: Uint8Array | null;
  kekId: string | null;
  pieceCount: number;
}

interface LicenseRow {
  buyerId: string;
  bundleId: string;
  status: string;
  statusReason: string | null;
  bundleStatus: BundleStatus;
  deviceId: string | null;
  publicKey: string | null;
  removedAt: Date | null;
}

interface Range {
  item: ItemRow & { wrappedKey: Uint8Array; kekId: string };
  first: number;
  last: number;
}

/**
 * Sealed piece-key delivery (DESIGN §3): only for the ACTIVE license of the caller, to a device
 * registered to that license; previews for anyone, pieces < previewPieces. Every delivery is
 * recorded in KeyDelivery before the keys leave, and rate-limited per license and per address.
 */
@Injectable()
export class KeyDeliveryService {
  private readonly cache: PieceKeyCache;

  constructor(
    private readonly prisma: PrismaService,
    private readonly limiter: KeyRateLimiter,
    @Inject(KEYRING) keyring: Keyring,
  ) {
    this.cache = new PieceKeyCache(keyring);
  }

  async deliver(userId: string, licenseId: string, deviceId: string, wanted: PieceRangeDto[] | undefined, address: string): Promise<SealedKeySet> {
    await this.limiter.consume([`license:${licenseId}`, `address:${address}`]);
    // One round trip for license, bundle status and the device (this is the hot path).
    const [license] = await this.prisma.$queryRaw<LicenseRow[]>`
      SELECT l."buyerId", l."bundleId", l.status::text AS status, l."statusReason", b.status::text AS "bundleStatus",
             d.id AS "deviceId", d."publicKey", d."removedAt"
      FROM "License" l JOIN "Bundle" b ON b.id = l."bundleId"
      LEFT JOIN "Device" d ON d.id = ${deviceId}::uuid AND d."licenseId" = l.id
      WHERE l.id = ${licenseId}::uuid`;
    if (!license) throw new NotFoundException(`license ${licenseId} not found`);
    if (license.buyerId !== userId) throw new ForbiddenException('keys are delivered only to the license\'s buyer');
    if (license.status !== 'ACTIVE') {
      throw new ForbiddenException(`license ${licenseId} is ${license.status}${license.statusReason ? ` (${license.statusReason})` : ''}: keys are delivered only for ACTIVE licenses`);
    }
    assertBundleAvailable(license.bundleStatus);
    if (!license.deviceId || !license.publicKey) throw new NotFoundException(`device ${deviceId} is not registered to license ${licenseId}`);
    if (license.removedAt) throw new ForbiddenException(`device ${deviceId} was removed from license ${licenseId}; register it again to receive keys`);
    const device = { id: license.deviceId, publicKey: license.publicKey };

    const items = await this.items(license.bundleId);
    const ranges = wanted
      ? wanted.map((w) => this.range(items, w, (it) => it.pieceCount, 'pieces'))
      : items.filter(isDeliverable).map((item) => ({ item, first: 0, last: item.pieceCount - 1 }));
    if (ranges.length === 0) throw new ConflictException('this bundle has no locked item ready yet: nothing to deliver');
    const sealed = sealKeySet(device.publicKey, device.id, { licenseId, items: this.keySet(ranges) });
    await this.audit(ranges, { licenseId, deviceId, userId, preview: false, address });
    return sealed;
  }

  async deliverPreview(userId: string | null, bundleId: string, publicKey: string, wanted: PieceRangeDto[] | undefined, address: string): Promise<SealedKeySet> {
    await this.limiter.consume([`preview-address:${address}`]);
    try {
      importDevicePublicKey(publicKey, 'publicKey');
    } catch (err) {
      if (err instanceof CryptoError) throw new BadRequestException(err.message);
      throw err;
    }
    const bundle = await this.prisma.bundle.findUnique({ where: { id: bundleId }, select: { status: true } });
    if (!bundle || bundle.status === 'DRAFT' || bundle.status === 'PUBLISHING') throw new NotFoundException(`bundle ${bundleId} not found`);
    assertBundleAvailable(bundle.status);
    const previewCount = (it: ItemRow) => Math.min(it.previewPieces, it.pieceCount);
    const items = await this.items(bundleId);
    const ranges = wanted
      ? wanted.map((w) => this.range(items, w, previewCount, 'preview pieces'))
      : items.filter(isDeliverable).filter((it) => previewCount(it) > 0).map((item) => ({ item, first: 0, last: previewCount(item) - 1 }));
    if (ranges.length === 0) throw new NotFoundException(`bundle ${bundleId} has no preview pieces`);
    const sealed = sealKeySet(publicKey, PREVIEW_DEVICE_ID, { licenseId: PREVIEW_LICENSE_ID, items: this.keySet(ranges) });
    await this.audit(ranges, { licenseId: null, deviceId: null, userId, preview: true, address });
    return sealed;
  }

  private items(bundleId: string): Promise<ItemRow[]> {
    return this.prisma.$queryRaw<ItemRow[]>`
      SELECT id, locked, status::text AS status, "previewPieces", "wrappedKey", "kekId",
             COALESCE(octet_length("pieceHashesV1"), 0) / 20 AS "pieceCount"
      FROM "Item" WHERE "bundleId" = ${bundleId}::uuid ORDER BY position`;
  }

  /** Validates one requested range against the item (400 with the reason otherwise). */
  private range(items: ItemRow[], w: PieceRangeDto, count: (it: ItemRow) => number, what: string): Range {
    const item = items.find((it) => it.id === w.itemId);
    if (!item) throw new BadRequestException(`item ${w.itemId} is not part of this bundle`);
    if (!item.locked) throw new BadRequestException(`item ${w.itemId} is not locked: it is published in the clear and needs no keys`);
    if (!isDeliverable(item)) throw new ConflictException(`item ${w.itemId} is not ready (status ${item.status}); try again once ingest has finished`);
    const n = Number(count(item));
    if (n === 0) throw new BadRequestException(`item ${w.itemId} has no ${what}`);
    const first = w.first ?? 0;
    const last = w.last ?? n - 1;
    if (first > last || last >= n) {
      throw new BadRequestException(`piece range ${first}..${last} of item ${w.itemId} is invalid: it has ${n} ${what} (0..${n - 1}) and first must not exceed last`);
    }
    return { item, first, last };
  }

  private keySet(ranges: Range[]): KeySetItem[] {
    return ranges.map(({ item, first, last }) => ({
      itemId: item.id,
      first,
      keys: this.cache.keys({ id: item.id, wrappedKey: item.wrappedKey, kekId: item.kekId, pieceCount: Number(item.pieceCount) }, first, last),
    }));
  }

  /** One KeyDelivery row per item range, written before the sealed keys are returned. */
  private async audit(ranges: Range[], who: { licenseId: string | null; deviceId: string | null; userId: string | null; preview: boolean; address: string }): Promise<void> {
    const rows = ranges.map((r) => Prisma.sql`(gen_random_uuid(), ${who.licenseId}::uuid, ${who.deviceId}::uuid, ${who.userId}::uuid, ${r.item.id}::uuid, ${r.first}, ${r.last}, ${who.preview}, ${who.address}, now())`);
    await this.prisma.$executeRaw`
      INSERT INTO "KeyDelivery" (id, "licenseId", "deviceId", "userId", "itemId", "firstPiece", "lastPiece", preview, address, "createdAt")
      VALUES ${Prisma.join(rows)}`;
  }
}

function isDeliverable(it: ItemRow): it is ItemRow & { wrappedKey: Uint8Array; kekId: string } {
  return it.locked && it.status === 'READY' && it.wrappedKey !== null && it.kekId !== null && Number(it.pieceCount) > 0;
}

function assertBundleAvailable(status: BundleStatus): void {
  if (status === 'TAKEN_DOWN') throw new GoneException('this bundle was taken down: no keys are delivered for it');
}
