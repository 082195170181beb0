import { randomBytes, randomUUID } from 'node:crypto';
import {
  derivePieceKeys,
  generateDeviceKeyPair,
  Keyring,
  keySetPayload,
  openContentKeys,
  sealContentKeys,
  sealPayload,
  wrapContentKey,
} from '@keyseed/crypto';
import { ContentKeyCache } from './content-key-cache';

describe('ContentKeyCache', () => {
  const keyring = Keyring.fromKeys([randomBytes(32)]);
  const sha = 'ab'.repeat(32);
  const lockedItem = (ck: Buffer, plaintextPieceRoot: string | null = null) => {
    const id = randomUUID();
    return { id, ...wrapContentKey(keyring, id, ck), plaintextSha256: sha, plaintextPieceRoot };
  };

  it('gives the payload v2 fragment sealContentKeys would serialise, byte for byte (with and without a piece root)', () => {
    const ck = [randomBytes(32), randomBytes(32)];
    const root = 'cd'.repeat(32);
    const items = [lockedItem(ck[0], root), lockedItem(ck[1])];
    const cache = new ContentKeyCache(keyring);
    const device = generateDeviceKeyPair();
    const eph = generateDeviceKeyPair().privateKey;
    const nonce = randomBytes(12);
    const licenseId = randomUUID();
    const deviceId = randomUUID();
    const fromCache = sealPayload(
      device.publicKey,
      licenseId,
      deviceId,
      keySetPayload(
        licenseId,
        items.map((it) => cache.fragment(it)),
      ),
      { ephemeralPrivateKey: eph, nonce },
    );
    const direct = sealContentKeys(
      device.publicKey,
      deviceId,
      licenseId,
      items.map((it, n) => ({
        itemId: it.id,
        contentKey: ck[n],
        plaintextSha256: sha,
        plaintextPieceRoot: it.plaintextPieceRoot,
      })),
      { ephemeralPrivateKey: eph, nonce },
    );
    expect(fromCache).toEqual(direct);
    const opened = openContentKeys(device.privateKey, deviceId, fromCache, licenseId);
    expect(opened.map((i) => i.contentKey)).toEqual(ck);
    expect(opened.map((i) => i.plaintextPieceRoot)).toEqual([root, undefined]);
  });

  it('unwraps each item once while fresh, again after its time-to-live, and zeroes what it drops', () => {
    let now = 0;
    const cache = new ContentKeyCache(keyring, 1000, 10, () => now);
    const item = lockedItem(randomBytes(32));
    const unwraps = jest.spyOn(keyring, 'get');
    const first = cache.fragment(item);
    expect(cache.fragment(item)).toBe(first);
    expect(unwraps).toHaveBeenCalledTimes(1);
    now = 1001;
    const second = cache.fragment(item);
    expect(second).not.toBe(first);
    expect(first.every((b) => b === 0)).toBe(true);
    expect(unwraps).toHaveBeenCalledTimes(2);
  });

  it('misses after a re-ingest (new wrapped key) and evicts the least recently used over its size', () => {
    const cache = new ContentKeyCache(keyring, 60_000, 2);
    const a = lockedItem(randomBytes(32));
    const b = lockedItem(randomBytes(32));
    const fa = cache.fragment(a);
    cache.fragment(b);
    const reingested = { ...a, ...wrapContentKey(keyring, a.id, randomBytes(32)) };
    expect(cache.fragment(reingested)).not.toEqual(fa);
    expect(fa.every((x) => x === 0)).toBe(true); // a was the least recently used of three
  });

  it('derives preview piece keys from the cached content key', () => {
    const ck = randomBytes(32);
    expect(new ContentKeyCache(keyring).pieceKeys(lockedItem(ck), 2, 4)).toEqual(derivePieceKeys(ck, 2, 4));
  });
});
