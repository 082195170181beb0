import { DevicePublicKey, importDevicePublicKey } from '@keyseed/crypto';

/**
 * Imported, validated device public keys by their stored base64url form (LRU). Importing one
 * builds a KeyObject and runs a probe X25519 agreement to refuse low-order points: as much CPU as
 * the seal's own agreement, and the same few keys come back on every delivery. Public keys only.
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
    const key = importDevicePublicKey(encoded);
    this.keys.set(encoded, key);
    if (this.keys.size > this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
    return key;
  }
}
