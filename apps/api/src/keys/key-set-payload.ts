import { LockedItemKey, PieceKeyCache } from './piece-key-cache';

export interface KeyRange {
  item: LockedItemKey;
  first: number;
  last: number;
}

const ITEMS_END = Buffer.from(']}', 'latin1');
const COMMA = Buffer.from(',', 'latin1');

/**
 * The plaintext of a sealed delivery (docs/key-scheme.md),
 * `{"v":1,"licenseId":…,"items":[{"itemId":…,"first":…,"keys":base64(K_first ‖ … ‖ K_last)}]}`,
 * as byte chunks, byte for byte what `sealKeySet` would serialise. Almost all of it is the item
 * fragments (base64 of 32 bytes per piece), which depend only on the item's key and the range, not
 * on the license or the device: each is serialised once and kept in memory (LRU within a byte
 * budget, zeroed when evicted, keyed like the piece keys so a re-ingest or rewrap misses). Only the
 * few bytes naming the license are built per request; the seal itself is always fresh.
 */
export class KeySetPayloads {
  private readonly fragments = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly keys: PieceKeyCache,
    private readonly budgetBytes = 64 * 1024 * 1024,
  ) {}

  /**
   * The payload chunks, in order. Encrypt them before the next call (an evicted fragment is zeroed)
   * and do not modify them.
   */
  payload(licenseId: string, ranges: readonly KeyRange[]): Buffer[] {
    const chunks: Buffer[] = [Buffer.from(`{"v":1,"licenseId":${JSON.stringify(licenseId)},"items":[`, 'utf8')];
    const used = new Set<string>();
    ranges.forEach((range, i) => {
      if (i > 0) chunks.push(COMMA);
      const id = `${PieceKeyCache.keyId(range.item)}:${range.first}:${range.last}`;
      used.add(id);
      chunks.push(this.fragment(id, range));
    });
    chunks.push(ITEMS_END);
    this.evict(used);
    return chunks;
  }

  private fragment(id: string, { item, first, last }: KeyRange): Buffer {
    const hit = this.fragments.get(id);
    if (hit) {
      this.fragments.delete(id);
      this.fragments.set(id, hit);
      return hit;
    }
    const keys = this.keys.keys(item, first, last);
    const fragment = Buffer.from(
      `{"itemId":${JSON.stringify(item.id)},"first":${first},"keys":"${keys.toString('base64')}"}`,
      'utf8',
    );
    keys.fill(0);
    if (fragment.length <= this.budgetBytes / 8) {
      this.fragments.set(id, fragment);
      this.bytes += fragment.length;
    }
    return fragment;
  }

  /** Drops the least recently used fragments over the budget, never one this request is using. */
  private evict(used: Set<string>): void {
    for (const [id, fragment] of this.fragments) {
      if (this.bytes <= this.budgetBytes) return;
      if (used.has(id)) continue;
      this.fragments.delete(id);
      this.bytes -= fragment.length;
      fragment.fill(0);
    }
  }
}
