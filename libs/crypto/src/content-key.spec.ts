import {
  WRAPPED_KEY_BYTES,
  generateContentKey,
  rewrapContentKey,
  unwrapContentKey,
  wrapContentKey,
} from './content-key';
import { Keyring } from './keyring';
import { hex, vectors } from './test-vectors';

const { input, output } = vectors;
const ring = (...fills: number[]) => Keyring.fromKeys(fills.map((f) => Buffer.alloc(32, f)));
const ITEM = input.wrap.itemId;

describe('content key wrapping', () => {
  it('matches the test vector: 0x01 | nonce | AES-256-GCM(KEK, CK, AAD = item id) | tag', () => {
    const wrapped = wrapContentKey(
      Keyring.parse(output.kek.base64),
      ITEM,
      hex(input.wrap.contentKey),
      hex(input.wrap.nonce),
    );
    expect(wrapped).toEqual({ wrappedKey: hex(output.wrap.wrappedKey), kekId: output.wrap.kekId });
    expect(
      unwrapContentKey(Keyring.parse(output.kek.base64), ITEM, hex(output.wrap.wrappedKey), output.wrap.kekId),
    ).toEqual(hex(input.wrap.contentKey));
  });

  it('draws a fresh nonce for every wrap', () => {
    const ck = generateContentKey();
    const a = wrapContentKey(ring(1), ITEM, ck);
    const b = wrapContentKey(ring(1), ITEM, ck);
    expect(a.wrappedKey).toHaveLength(WRAPPED_KEY_BYTES);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(unwrapContentKey(ring(1), ITEM, b.wrappedKey, b.kekId)).toEqual(ck);
  });

  it('refuses to unwrap under another item id (AAD)', () => {
    const w = wrapContentKey(ring(1), ITEM, generateContentKey());
    expect(() => unwrapContentKey(ring(1), 'another-item', w.wrappedKey, w.kekId)).toThrow(
      expect.objectContaining({ code: 'UNWRAP_FAILED' }),
    );
  });

  it('refuses a tampered wrapped key, byte by byte', () => {
    const w = wrapContentKey(ring(1), ITEM, generateContentKey());
    for (let i = 0; i < w.wrappedKey.length; i++) {
      const bad = Buffer.from(w.wrappedKey);
      bad[i] ^= 0x01;
      expect(() => unwrapContentKey(ring(1), ITEM, bad, w.kekId)).toThrow(
        expect.objectContaining({ code: 'UNWRAP_FAILED' }),
      );
    }
    expect(() => unwrapContentKey(ring(1), ITEM, w.wrappedKey.subarray(1), w.kekId)).toThrow(/malformed/);
  });

  it('refuses an unknown KEK id, and a KEK id that names another configured KEK', () => {
    const w = wrapContentKey(ring(1), ITEM, generateContentKey());
    expect(() => unwrapContentKey(ring(2), ITEM, w.wrappedKey, w.kekId)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_KEK' }),
    );
    const both = ring(2, 1);
    expect(() => unwrapContentKey(both, ITEM, w.wrappedKey, both.current.id)).toThrow(
      expect.objectContaining({ code: 'UNWRAP_FAILED' }),
    );
  });

  it('rotates: wrapped under the old KEK, rewrapped under the new newest, readable while both are configured', () => {
    const ck = generateContentKey();
    const old = wrapContentKey(ring(1), ITEM, ck);
    const rotated = ring(2, 1); // KEYSEED_KEK=new,old
    expect(unwrapContentKey(rotated, ITEM, old.wrappedKey, old.kekId)).toEqual(ck);
    expect(rotated.isStale(old.kekId)).toBe(true);
    const fresh = rewrapContentKey(rotated, ITEM, old.wrappedKey, old.kekId);
    expect(fresh.kekId).toBe(rotated.current.id);
    expect(unwrapContentKey(rotated, ITEM, fresh.wrappedKey, fresh.kekId)).toEqual(ck);
    // once every key is rewrapped the old KEK can go
    expect(unwrapContentKey(ring(2), ITEM, fresh.wrappedKey, fresh.kekId)).toEqual(ck);
    expect(() => unwrapContentKey(ring(2), ITEM, old.wrappedKey, old.kekId)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_KEK' }),
    );
  });

  it('rejects content keys that are not 32 bytes', () => {
    expect(() => wrapContentKey(ring(1), ITEM, Buffer.alloc(16))).toThrow(/content key must be 32 bytes, got 16 bytes/);
  });
});
