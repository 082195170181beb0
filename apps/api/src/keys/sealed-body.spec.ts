import { randomBytes, randomUUID } from 'node:crypto';
import {
  derivePieceKeys,
  generateDeviceKeyPair,
  importDevicePrivateKey,
  importDevicePublicKey,
  Keyring,
  openKeySet,
  sealKeySet,
  wrapContentKey,
} from '@keyseed/crypto';
import { KeySetPayloads } from './key-set-payload';
import { PieceKeyCache } from './piece-key-cache';
import { sealedBody } from './sealed-body';

describe('sealedBody with KeySetPayloads', () => {
  const keyring = Keyring.fromKeys([randomBytes(32)]);
  const ck = [randomBytes(32), randomBytes(32)];
  const items = ck.map((k, n) => {
    const id = randomUUID();
    const wrapped = wrapContentKey(keyring, id, k);
    return { id, wrappedKey: wrapped.wrappedKey, kekId: wrapped.kekId, pieceCount: 10 + n };
  });
  const licenseId = randomUUID();
  const deviceId = randomUUID();
  const device = generateDeviceKeyPair();

  it('is byte for byte the JSON of sealKeySet for the same ephemeral key and nonce', () => {
    const payloads = new KeySetPayloads(new PieceKeyCache(keyring));
    const eph = generateDeviceKeyPair().privateKey;
    const nonce = randomBytes(12);
    const ranges = [
      { item: items[0], first: 0, last: 9 },
      { item: items[1], first: 3, last: 7 },
    ];
    const body = sealedBody(
      importDevicePublicKey(device.publicKey),
      licenseId,
      deviceId,
      payloads.payload(licenseId, ranges),
      {
        ephemeralPrivateKey: importDevicePrivateKey(eph).keyObject,
        nonce,
      },
    );
    const expected = sealKeySet(
      device.publicKey,
      deviceId,
      {
        licenseId,
        items: [
          { itemId: items[0].id, first: 0, keys: derivePieceKeys(ck[0], 0, 9) },
          { itemId: items[1].id, first: 3, keys: derivePieceKeys(ck[1], 3, 7) },
        ],
      },
      { ephemeralPrivateKey: eph, nonce },
    );
    expect(body).toBe(JSON.stringify(expected));
  });

  it('opens on the device, with a fresh ephemeral key and nonce every time, from cached and uncached fragments', () => {
    const payloads = new KeySetPayloads(new PieceKeyCache(keyring), 200); // too small to keep anything
    const cached = new KeySetPayloads(new PieceKeyCache(keyring));
    const seal = (p: KeySetPayloads) =>
      JSON.parse(
        sealedBody(
          importDevicePublicKey(device.publicKey),
          licenseId,
          deviceId,
          p.payload(licenseId, [{ item: items[1], first: 0, last: 10 }]),
        ),
      );
    const boxes = [seal(payloads), seal(cached), seal(cached)];
    expect(new Set(boxes.map((b) => b.epk)).size).toBe(3);
    expect(new Set(boxes.map((b) => b.nonce)).size).toBe(3);
    for (const box of boxes) {
      const opened = openKeySet(device.privateKey, deviceId, box, licenseId);
      expect(opened.items).toEqual([{ itemId: items[1].id, first: 0, last: 10, keys: derivePieceKeys(ck[1], 0, 10) }]);
    }
    expect(() => openKeySet(device.privateKey, randomUUID(), boxes[0], licenseId)).toThrow(/does not open/);
  });

  it('misses the cache when the item is re-ingested (new content key)', () => {
    const payloads = new KeySetPayloads(new PieceKeyCache(keyring));
    const open = (item: (typeof items)[0]) =>
      openKeySet(
        device.privateKey,
        deviceId,
        JSON.parse(
          sealedBody(
            importDevicePublicKey(device.publicKey),
            licenseId,
            deviceId,
            payloads.payload(licenseId, [{ item, first: 0, last: 1 }]),
          ),
        ),
        licenseId,
      ).items[0].keys;
    expect(open(items[0])).toEqual(derivePieceKeys(ck[0], 0, 1));
    const fresh = randomBytes(32);
    const rewrapped = wrapContentKey(keyring, items[0].id, fresh);
    expect(open({ ...items[0], wrappedKey: rewrapped.wrappedKey })).toEqual(derivePieceKeys(fresh, 0, 1));
  });
});
