import { contentKeyItemJson, derivePieceKeys, Keyring, unwrapContentKey } from '@keyseed/crypto';

export interface LockedItemKey {
  id: string;
  wrappedKey: Uint8Array;
  kekId: string;
  plaintextSha256: string;
  plaintextPieceRoot: string | null;
}

interface Entry {
  ck: Buffer;
  /** `{"itemId","contentKey","plaintextSha256"[,"plaintextPieceRoot"]}` of payload v2, serialised once. */
  fragment: Buffer;
  expiresAt: number;
}

/**
 * Unwrapped content keys, kept briefly in memory per item (LRU, `ttlMs` after the unwrap), with
 * the item's serialised payload v2 fragment: at a premiere every buyer of a bundle asks within a
 * minute, and each item is unwrapped and serialised once instead of once per request. Entries are
 * keyed by the wrapped key itself, so a re-ingest (new CK) or a rewrap misses; evicted entries are
 * zeroed.
 */
export class ContentKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly keyring: Keyring,
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The item's license payload fragment. Do not modify it; it is zeroed once evicted. */
  fragment(item: LockedItemKey): Buffer {
    return this.entry(item).fragment;
  }

  /** `K_first ‖ … ‖ K_last` of the item (a fresh Buffer: previews are few pieces). */
  pieceKeys(item: LockedItemKey, first: number, last: number): Buffer {
    return derivePieceKeys(this.entry(item).ck, first, last);
  }

  private entry(item: LockedItemKey): Entry {
    const id = `${item.id}:${item.kekId}:${Buffer.from(item.wrappedKey).toString('base64')}`;
    const now = this.now();
    const hit = this.entries.get(id);
    if (hit && hit.expiresAt > now) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    if (hit) this.drop(id, hit);
    const ck = unwrapContentKey(this.keyring, item.id, item.wrappedKey, item.kekId);
    const fragment = Buffer.from(
      contentKeyItemJson({
        itemId: item.id,
        contentKey: ck,
        plaintextSha256: item.plaintextSha256,
        plaintextPieceRoot: item.plaintextPieceRoot,
      }),
    );
    const entry = { ck, fragment, expiresAt: now + this.ttlMs };
    this.entries.set(id, entry);
    for (const [oldId, old] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      this.drop(oldId, old);
    }
    return entry;
  }

  private drop(id: string, entry: Entry): void {
    this.entries.delete(id);
    entry.ck.fill(0);
    entry.fragment.fill(0);
  }
}
