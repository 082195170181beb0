import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  GoneException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CryptoError,
  DevicePublicKey,
  generateContentKey,
  importDevicePublicKey,
  Keyring,
  keySetPayload,
  pieceKeyItemJson,
  PREVIEW_DEVICE_ID,
  PREVIEW_LICENSE_ID,
  wrapContentKey,
} from '@keyseed/crypto';
import { KEYRING } from '@keyseed/keyring';
import { ContentKeyCache } from './content-key-cache';
import { DeliveryRecord, ItemRow, KeyDeliveryStore, LicenseRow } from './key-delivery.store';
import { KeyRateLimiter } from './key-rate-limiter';
import { Sealer } from './sealer';
import { ItemRefDto, PieceRangeDto } from './dtos/request-keys.dto';

type DeliverableItem = ItemRow & { wrappedKey: Buffer; kekId: string; plaintextSha256: string };

/** 425 Too Early: a premiere's keys are withheld until `releaseAt`. */
export class NotReleasedException extends HttpException {
  constructor(
    readonly releaseAt: Date,
    now: number,
  ) {
    const seconds = Math.ceil((releaseAt.getTime() - now) / 1000);
    super(
      `this bundle releases at ${releaseAt.toISOString()} (in ${seconds} s): your license is active and its keys are delivered from then on`,
      425,
    );
  }
}

/**
 * Sealed key delivery, payload v2 (docs/key-scheme.md): a license delivery carries each locked
 * item's content key, plaintext SHA-256 and (items ingested with one) plaintext piece root, only for the ACTIVE license of the caller, to a device
 * registered to that license, and not before the bundle's releaseAt; previews carry piece keys
 * < previewPieces for anyone. Every delivery is recorded in KeyDelivery before the keys leave, and
 * rate-limited per license and per address. Both return the response body: a `SealedKeySet` as
 * JSON text (ASCII).
 *
 * The hot path is one batched Redis script (rate limits), one batched SQL query (license, device,
 * items: the license is re-checked on every request; the fast route reads it in the statement that
 * resolves an uncached bearer token), the seal on the seal thread (Sealer: device keys imported
 * once there, the ephemeral pair made ahead) and one group-committed INSERT; content keys are
 * unwrapped once per item (ContentKeyCache).
 */
@Injectable()
export class KeyDeliveryService {
  private readonly contentKeys: ContentKeyCache;

  constructor(
    private readonly store: KeyDeliveryStore,
    private readonly limiter: KeyRateLimiter,
    @Inject(KEYRING) private readonly keyring: Keyring,
    private readonly sealer: Sealer,
  ) {
    this.contentKeys = new ContentKeyCache(keyring);
  }

  /**
   * Runs a license delivery's in-process work `rounds` times — content-key unwrap and payload,
   * device-key import (a new device each round, as a premiere's distinct buyers), seal on the seal
   * thread, JSON — on synthetic keys, with caches of their own (the thread keeps none of these
   * device keys): nothing is stored, sent or left in the delivery caches. So V8 has compiled and
   * optimised that code, here and in the thread, before the first buyers ask (KeyPathWarmup).
   */
  async warmUpSeal(rounds: number): Promise<void> {
    const itemId = randomUUID();
    const contentKey = generateContentKey();
    const wrapped = wrapContentKey(this.keyring, itemId, contentKey);
    contentKey.fill(0);
    const item = { id: itemId, ...wrapped, plaintextSha256: '0'.repeat(64), plaintextPieceRoot: '0'.repeat(64) };
    const contentKeys = new ContentKeyCache(this.keyring);
    await Promise.all(
      Array.from({ length: rounds }, () => {
        // Any 32 bytes below 2^255 are an X25519 public key (no device key generated: see EphemeralKey).
        const raw = randomBytes(32);
        raw[31] &= 0x7f;
        const payload = keySetPayload(itemId, [contentKeys.fragment(item)]);
        return this.sealer.seal(raw.toString('base64url'), itemId, itemId, payload, true);
      }),
    );
  }

  /** `read`: the license as this request already read it (KeyDeliveryStore.tokenAndLicense), or undefined to read it here. */
  async deliver(
    userId: string,
    licenseId: string,
    deviceId: string,
    wanted: ItemRefDto[] | undefined,
    address: string,
    read?: LicenseRow | null,
  ): Promise<string> {
    // The license budget is counted per caller: someone else's requests for this license id (refused
    // below) must not use up its buyer's budget.
    await this.limiter.consume([`license:${licenseId}:${userId}`, `address:${address}`]);
    const license = read === undefined ? await this.store.license(licenseId, deviceId) : read;
    if (!license) throw new NotFoundException(`license ${licenseId} not found`);
    if (license.buyerId !== userId) throw new ForbiddenException("keys are delivered only to the license's buyer");
    if (license.status !== 'ACTIVE') {
      throw new ForbiddenException(
        `license ${licenseId} is ${license.status}${license.statusReason ? ` (${license.statusReason})` : ''}: keys are delivered only for ACTIVE licenses`,
      );
    }
    assertBundleAvailable(license.bundleStatus);
    const now = Date.now();
    if (license.releaseAt && license.releaseAt.getTime() > now) throw new NotReleasedException(license.releaseAt, now);
    if (!license.deviceId || !license.publicKey)
      throw new NotFoundException(`device ${deviceId} is not registered to license ${licenseId}`);
    if (license.deviceRemoved)
      throw new ForbiddenException(
        `device ${deviceId} was removed from license ${licenseId}; register it again to receive keys`,
      );

    // An email-gate license unlocks the bundle's gated items only (docs/architecture.md, email gate).
    const gateOnly = license.source === 'EMAIL_GATE';
    const items = gateOnly ? license.items.filter((it) => it.emailGated) : license.items;
    if (gateOnly && items.length === 0)
      throw new ForbiddenException('the creator turned the email gate of this bundle off: buy the bundle for its keys');
    if (gateOnly && wanted) {
      const notGated = wanted.find((w) =>
        license.items.some((it) => it.id === w.itemId && it.locked && !it.emailGated),
      );
      if (notGated)
        throw new ForbiddenException(
          `item ${notGated.itemId} is not unlocked by the email gate: this license covers the gated items only (buy the bundle for the rest)`,
        );
    }
    const delivered = wanted ? wanted.map((w) => lockedItem(items, w.itemId)) : items.filter(isDeliverable);
    if (delivered.length === 0)
      throw new ConflictException('this bundle has no locked item ready yet: nothing to deliver');
    const payload = keySetPayload(
      licenseId,
      delivered.map((item) => this.contentKeys.fragment(item)),
    );
    const body = await this.sealer.seal(license.publicKey, licenseId, license.deviceId, payload);
    await this.store.record(
      delivered.map((item) => ({
        licenseId,
        deviceId: license.deviceId,
        userId,
        itemId: item.id,
        firstPiece: 0,
        lastPiece: item.pieceCount - 1,
        preview: false,
        address,
      })),
    );
    return body;
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
      ? wanted.map((w) => previewRange(items, w, previewCount(lockedItem(items, w.itemId))))
      : items
          .filter(isDeliverable)
          .filter((it) => previewCount(it) > 0)
          .map((item) => ({ item, first: 0, last: previewCount(item) - 1 }));
    if (ranges.length === 0) throw new NotFoundException(`bundle ${bundleId} has no preview pieces`);
    const payload = keySetPayload(
      PREVIEW_LICENSE_ID,
      ranges.map(({ item, first, last }) => {
        const keys = this.contentKeys.pieceKeys(item, first, last);
        const json = pieceKeyItemJson({ itemId: item.id, first, keys });
        keys.fill(0);
        return json;
      }),
    );
    const body = await this.sealer.seal(device.encoded, PREVIEW_LICENSE_ID, PREVIEW_DEVICE_ID, payload);
    await this.store.record(
      ranges.map((r): DeliveryRecord => ({
        licenseId: null,
        deviceId: null,
        userId,
        itemId: r.item.id,
        firstPiece: r.first,
        lastPiece: r.last,
        preview: true,
        address,
      })),
    );
    return body;
  }
}

/** A locked, ready item of the bundle (400/409 with the reason otherwise). */
function lockedItem(items: ItemRow[], itemId: string): DeliverableItem {
  const item = items.find((it) => it.id === itemId);
  if (!item) throw new BadRequestException(`item ${itemId} is not part of this bundle`);
  if (!item.locked)
    throw new BadRequestException(`item ${itemId} is not locked: it is published in the clear and needs no keys`);
  if (!isDeliverable(item))
    throw new ConflictException(
      `item ${itemId} is not ready (status ${item.status}); try again once ingest has finished`,
    );
  return item;
}

/** Validates one requested preview range against the item's preview pieces (400 with the reason otherwise). */
function previewRange(
  items: ItemRow[],
  w: PieceRangeDto,
  count: number,
): { item: DeliverableItem; first: number; last: number } {
  const item = lockedItem(items, w.itemId);
  if (count === 0) throw new BadRequestException(`item ${w.itemId} has no preview pieces`);
  const first = w.first ?? 0;
  const last = w.last ?? count - 1;
  if (first > last || last >= count) {
    throw new BadRequestException(
      `piece range ${first}..${last} of item ${w.itemId} is invalid: it has ${count} preview pieces (0..${count - 1}) and first must not exceed last`,
    );
  }
  return { item, first, last };
}

function isDeliverable(it: ItemRow): it is DeliverableItem {
  return (
    it.locked &&
    it.status === 'READY' &&
    it.wrappedKey !== null &&
    it.kekId !== null &&
    it.plaintextSha256 !== null &&
    it.pieceCount > 0
  );
}

function assertBundleAvailable(status: string): void {
  if (status === 'TAKEN_DOWN') throw new GoneException('this bundle was taken down: no keys are delivered for it');
}
