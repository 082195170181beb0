import { randomUUID } from 'node:crypto';
import type { KeyseedConfig } from '@keyseed/config';
import {
  contentKeyItemJson,
  CryptoError,
  generateDeviceKeyPair,
  keySetPayload,
  openContentKeys,
} from '@keyseed/crypto';
import { Sealer } from './sealer';

const config = { EPHEMERAL_KEY_POOL: 8 } as KeyseedConfig;

/** A license payload v2 for one item, and what opening it must give back. */
function licensePayload(licenseId: string) {
  const itemId = randomUUID();
  const contentKey = Buffer.alloc(32, 7);
  const fragment = Buffer.from(contentKeyItemJson({ itemId, contentKey, plaintextSha256: 'ab'.repeat(32) }));
  return { itemId, contentKey, fragment, payload: keySetPayload(licenseId, [fragment]) };
}

describe('Sealer (seal thread)', () => {
  let sealer: Sealer;

  beforeEach(() => {
    sealer = new Sealer(config);
    sealer.onModuleInit();
  });

  afterEach(async () => {
    await sealer.onApplicationShutdown();
  });

  it('seals on its thread what the device opens, and leaves the caller its buffers', async () => {
    const device = generateDeviceKeyPair();
    const licenseId = randomUUID();
    const deviceId = randomUUID();
    const { itemId, contentKey, fragment, payload } = licensePayload(licenseId);
    const fragmentBefore = Buffer.from(fragment);
    const body = await sealer.seal(device.publicKey, licenseId, deviceId, payload);
    const [opened] = openContentKeys(device.privateKey, deviceId, JSON.parse(body), licenseId);
    expect(opened).toEqual({ itemId, contentKey, plaintextSha256: 'ab'.repeat(32) });
    expect(fragment).toEqual(fragmentBefore); // copied to the thread, not moved: the cache keeps its fragment
  });

  it('answers each of a turn’s seals its own body, each with its own ephemeral key, pool or not', async () => {
    const asks = Array.from({ length: 40 }, () => {
      const device = generateDeviceKeyPair();
      const licenseId = randomUUID();
      const deviceId = randomUUID();
      return { device, licenseId, deviceId, ...licensePayload(licenseId) };
    });
    const bodies = await Promise.all(
      asks.map((a) => sealer.seal(a.device.publicKey, a.licenseId, a.deviceId, a.payload)),
    );
    const epks = new Set<string>();
    bodies.forEach((body, i) => {
      const sealed = JSON.parse(body);
      epks.add(sealed.epk);
      const [opened] = openContentKeys(asks[i].device.privateKey, asks[i].deviceId, sealed, asks[i].licenseId);
      expect(opened.itemId).toBe(asks[i].itemId);
    });
    expect(epks.size).toBe(40);
  });

  it("fails a seal the thread refuses with the seal's CryptoError, and seals the others of its batch", async () => {
    const device = generateDeviceKeyPair();
    const licenseId = randomUUID();
    const { payload } = licensePayload(licenseId);
    const lowOrder = Buffer.alloc(32).toString('base64url'); // the all-zero point: no agreement
    const [bad, good] = await Promise.allSettled([
      sealer.seal(lowOrder, licenseId, 'device', payload),
      sealer.seal(device.publicKey, licenseId, 'device', payload),
    ]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(CryptoError);
    expect((bad as PromiseRejectedResult).reason.code).toBe('BAD_PUBLIC_KEY');
    expect(good.status).toBe('fulfilled');
  });

  it('fails the seals a stopped thread held, and starts another for the next seal', async () => {
    const device = generateDeviceKeyPair();
    const licenseId = randomUUID();
    const { payload } = licensePayload(licenseId);
    await sealer.seal(device.publicKey, licenseId, 'device', payload); // the thread is up
    // A batch the thread needs well over 100 ms for (each seal makes its own ephemeral pair).
    const held = Array.from({ length: 1000 }, () => sealer.seal(device.publicKey, licenseId, 'device', payload));
    await new Promise((r) => setImmediate(r)); // sent to the thread
    await sealer['thread']!.terminate();
    const settled = await Promise.allSettled(held);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect((settled[0] as PromiseRejectedResult).reason.message).toMatch(/the seal thread stopped before sealing/);
    const body = await sealer.seal(device.publicKey, licenseId, 'device', payload);
    expect(openContentKeys(device.privateKey, 'device', JSON.parse(body), licenseId)).toHaveLength(1);
  });
});
