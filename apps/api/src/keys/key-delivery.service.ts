import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  GoneException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { CryptoError, DevicePublicKey, importDevicePublicKey, Keyring, PREVIEW_LICENSE_ID } from '@keyseed/crypto';
import { KEYRING } from '@keyseed/keyring';
import { DeviceKeyCache } from './device-key-cache';
import { KeyDeliveryStore, ItemRow } from './key-delivery.store';
import { KeyRateLimiter } from './key-rate-limiter';
import { KeyRange, KeySetPayloads } from './key-set-payload';
import { PieceKeyCache } from './piece-key-cache';
import { PieceRangeDto } from './dtos/request-keys.dto';
import { sealedBody } from './sealed-body';

/** The device id in the AAD of preview deliveries: "keyseed/v1|preview|preview" (docs/key-scheme.md). */
export const PREVIEW_DEVICE_ID = 'preview';

type DeliverableItem = ItemRow & { wrappedKey: Buffer; kekId: string };

interface Range extends KeyRange {
  item: DeliverableItem;
}

/**
 * Sealed piece-key delivery (docs/key-scheme.md): only for the ACTIVE license of the caller, to a device
 * registered to that license; previews for anyone, pieces < previewPieces. Every delivery is
 * recorded in KeyDelivery before the keys leave, and rate-limited per license and per address.
 * Both return the response body: a `SealedKeySet` as JSON text (ASCII).
 */
@Injectable()
export class KeyDeliveryService {
  private readonly payloads: KeySetPayloads;
  private readonly devices = new DeviceKeyCache();

  constructor(
    private readonly store: KeyDeliveryStore,
    private readonly limiter: KeyRateLimiter,
    @Inject(KEYRING) keyring: Keyring,
  ) {
    this.payloads = new KeySetPayloads(new PieceKeyCache(keyring));
  }

  async deliver(
    userId: string,
    licenseId: string,
    deviceId: string,
    wanted: PieceRangeDto[] | undefined,
    address: string,
  ): Promise<string> {
    // The license budget is counted per caller: someone else's requests for this license id (refused
    // below) must not use up its buyer's budget.
    await this.limiter.consume([`license:${licenseId}:${userId}`, `address:${address}`]);
    const license = await this.store.license(licenseId, deviceId);
    if (!license) throw new NotFoundException(`license ${licenseId} not found`);
    if (license.buyerId !== userId) throw new ForbiddenException("keys are delivered only to the license's buyer");
    if (license.status !== 'ACTIVE') {
      throw new ForbiddenException(
        `license ${licenseId} is ${license.status}${license.statusReason ? ` (${license.statusReason})` : ''}: keys are delivered only for ACTIVE licenses`,
      );
    }
    assertBundleAvailable(license.bundleStatus);
    if (!license.deviceId || !license.publicKey)
      throw new NotFoundException(`device ${deviceId} is not registered to license ${licenseId}`);
    if (license.deviceRemoved)
      throw new ForbiddenException(
        `device ${deviceId} was removed from license ${licenseId}; register it again to receive keys`,
      );

    const { items } = license;
    const ranges = wanted
      ? wanted.map((w) => range(items, w, (it) => it.pieceCount, 'pieces'))
      : items.filter(isDeliverable).map((item) => ({ item, first: 0, last: item.pieceCount - 1 }));
    if (ranges.length === 0)
      throw new ConflictException('this bundle has no locked item ready yet: nothing to deliver');
    const device = this.devices.get(license.publicKey);
    return this.sealAndRecord(device, license.deviceId, ranges, {
      licenseId,
      deviceId: license.deviceId,
      userId,
      preview: false,
      address,
    });
  }

  async deliverPreview(
    userId: string | null,
    bundleId: string,
    publicKey: string,
    wanted: PieceRangeDto[] | undefined,
    address: string,
  ): Promise<string> {
    await this.limiter.consume([`preview-address:${address}`]);
    let device: DevicePublicKey;
    try {
      device = importDevicePublicKey(publicKey, 'publicKey');
    } catch (err) {
      if (err instanceof CryptoError) throw new BadRequestException(err.message);
      throw err;
    }
    const bundle = await this.store.bundle(bundleId);
    if (!bundle || bundle.bundleStatus === 'DRAFT' || bundle.bundleStatus === 'PUBLISHING')
      throw new NotFoundException(`bundle ${bundleId} not found`);
    assertBundleAvailable(bundle.bundleStatus);
    const previewCount = (it: ItemRow) => Math.min(it.previewPieces, it.pieceCount);
    const { items } = bundle;
    const ranges = wanted
      ? wanted.map((w) => range(items, w, previewCount, 'preview pieces'))
      : items
          .filter(isDeliverable)
          .filter((it) => previewCount(it) > 0)
          .map((item) => ({ item, first: 0, last: previewCount(item) - 1 }));
    if (ranges.length === 0) throw new NotFoundException(`bundle ${bundleId} has no preview pieces`);
    return this.sealAndRecord(device, PREVIEW_DEVICE_ID, ranges, {
      licenseId: null,
      deviceId: null,
      userId,
      preview: true,
      address,
    });
  }

  /** Seals the key set, then answers once its KeyDelivery rows (one per item range) are written: no keys leave unaudited. */
  private async sealAndRecord(
    device: DevicePublicKey,
    aadDeviceId: string,
    ranges: Range[],
    who: {
      licenseId: string | null;
      deviceId: string | null;
      userId: string | null;
      preview: boolean;
      address: string;
    },
  ): Promise<string> {
    const aadLicenseId = who.licenseId ?? PREVIEW_LICENSE_ID;
    const body = sealedBody(device, aadLicenseId, aadDeviceId, this.payloads.payload(aadLicenseId, ranges));
    await this.store.record(ranges.map((r) => ({ ...who, itemId: r.item.id, firstPiece: r.first, lastPiece: r.last })));
    return body;
  }
}

/** Validates one requested range against the item (400 with the reason otherwise). */
function range(items: ItemRow[], w: PieceRangeDto, count: (it: ItemRow) => number, what: string): Range {
  const item = items.find((it) => it.id === w.itemId);
  if (!item) throw new BadRequestException(`item ${w.itemId} is not part of this bundle`);
  if (!item.locked)
    throw new BadRequestException(`item ${w.itemId} is not locked: it is published in the clear and needs no keys`);
  if (!isDeliverable(item))
    throw new ConflictException(
      `item ${w.itemId} is not ready (status ${item.status}); try again once ingest has finished`,
    );
  const n = count(item);
  if (n === 0) throw new BadRequestException(`item ${w.itemId} has no ${what}`);
  const first = w.first ?? 0;
  const last = w.last ?? n - 1;
  if (first > last || last >= n) {
    throw new BadRequestException(
      `piece range ${first}..${last} of item ${w.itemId} is invalid: it has ${n} ${what} (0..${n - 1}) and first must not exceed last`,
    );
  }
  return { item, first, last };
}

function isDeliverable(it: ItemRow): it is DeliverableItem {
  return it.locked && it.status === 'READY' && it.wrappedKey !== null && it.kekId !== null && it.pieceCount > 0;
}

function assertBundleAvailable(status: string): void {
  if (status === 'TAKEN_DOWN') throw new GoneException('this bundle was taken down: no keys are delivered for it');
}
