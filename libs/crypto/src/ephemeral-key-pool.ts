import { EphemeralKey, generateEphemeralKey } from './sealed-delivery';

/**
 * Ephemeral X25519 pairs made ahead of the seals that use them (docs/key-scheme.md, sealed
 * delivery): a pair depends on nothing in the request, and making one costs two of a seal's three
 * scalar multiplications, so a pool filled while the process is idle leaves the seal one (the
 * agreement with the device key) when a premiere's buyers all ask at once.
 *
 * `take` hands each pair out once and keeps no reference to it (the seal then takes its private
 * key, EphemeralKey.take); when the pool is empty it generates a pair on the spot. Who fills the
 * pool decides when (`fill`); it never holds more than `capacity` pairs.
 */
export class EphemeralKeyPool {
  private readonly keys: EphemeralKey[] = [];

  constructor(
    readonly capacity: number,
    private readonly generate: () => EphemeralKey = generateEphemeralKey,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`ephemeral key pool capacity must be a whole number ≥ 0, got ${capacity}`);
  }

  /** Pairs ready now. */
  get size(): number {
    return this.keys.length;
  }

  /** A pair no one else has been or will be given: one made ahead, or a fresh one when the pool is empty. */
  take(): EphemeralKey {
    return this.keys.pop() ?? this.generate();
  }

  /** Makes up to `count` pairs, never beyond capacity; returns how many it added. */
  fill(count: number): number {
    const added = Math.max(0, Math.min(count, this.capacity - this.keys.length));
    for (let i = 0; i < added; i++) this.keys.push(this.generate());
    return added;
  }
}
