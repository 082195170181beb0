import { DevicePublicKey, importRegisteredDevicePublicKey } from '@keyseed/crypto';

/**
 * Imported device public keys by their stored base64url form (LRU): the same few keys come back on
 * every delivery of a license. Keys come from `Device.publicKey`, validated at registration, so
 * they are imported without the probe agreement (importRegisteredDevicePublicKey; the seal's own
 * agreement still refuses a low-order point). Public keys only.
 */
export class DeviceKeyCache {
  private readonly keys = new Map<string, DevicePublicKey>();

  constructor(private readonly maxEntries = 10_000) {}

  get(encoded: string): DevicePublicKey {
    const hit = this.keys.get(encoded);
    if (hit) {
      this.keys.delete(encoded);
      this.keys.set(encoded, hit);
      return hit;
    }
    const key = importRegisteredDevicePublicKey(encoded);
    this.keys.set(encoded, key);
    if (this.keys.size > this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
    return key;
  }
}
