/**
 * What bench/keys and bench/scale measure key delivery against: a creator's PUBLISHED bundle with
 * one READY locked item of 1 MiB pieces (random piece hashes, a real wrapped content key), a buyer
 * registered over HTTP with a PAID order, an ACTIVE license and one device; and the autocannon run
 * that POSTs /v1/licenses/:id/keys for that device. Modules that read the configuration are imported
 * late, once useBenchEnv has set the environment.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KeyseedConfig } from '@keyseed/config';
import type { Prisma, PrismaService } from '@keyseed/database';

const root = resolve(__dirname, '../..');

/** The bundle (with `bundle` merged into its row) and its locked READY item of `pieces` pieces. */
export async function createLockedBundle(
  prisma: PrismaService,
  config: KeyseedConfig,
  pieces: number,
  bundle: Partial<Prisma.BundleUncheckedCreateInput> = {},
): Promise<{ bundleId: string }> {
  const { generateContentKey, wrapContentKey } = await import('@keyseed/crypto');
  const { keyringFromConfig } = await import('@keyseed/keyring');
  const creator = await prisma.user.create({
    data: {
      email: `creator-${randomUUID()}@bench.test`,
      passwordHash: 'x',
      displayName: 'Creator',
      roles: ['CREATOR'],
    },
  });
  const { id: bundleId } = await prisma.bundle.create({
    data: {
      slug: `bench-${randomUUID().slice(0, 8)}`,
      title: 'Bench',
      creatorId: creator.id,
      status: 'PUBLISHED',
      pieceLength: 1 << 20,
      priceAmount: 1000,
      priceCurrency: 'usd',
      ...bundle,
    },
  });
  const itemId = randomUUID();
  const wrapped = wrapContentKey(keyringFromConfig(config), itemId, generateContentKey());
  await prisma.item.create({
    data: {
      id: itemId,
      bundleId,
      path: 'film.mkv',
      position: 0,
      locked: true,
      status: 'READY',
      size: BigInt(pieces) << 20n,
      pieceHashesV1: new Uint8Array(randomBytes(pieces * 20)),
      wrappedKey: new Uint8Array(wrapped.wrappedKey),
      kekId: wrapped.kekId,
      plaintextSha256: randomBytes(32).toString('hex'),
      plaintextPieceRoot: randomBytes(32).toString('hex'),
    },
  });
  return { bundleId };
}

export interface LicensedBuyer {
  token: string;
  userId: string;
  licenseId: string;
  /** The body of a key request: `{"deviceId": …}`. */
  keysBody: string;
}

/** A buyer registered through the API at `base`, who owns `bundleId` and has registered a device. */
export async function licensedBuyer(base: string, prisma: PrismaService, bundleId: string): Promise<LicensedBuyer> {
  const { generateDeviceKeyPair } = await import('@keyseed/crypto');
  const reg = await fetch(`${base}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `buyer-${randomUUID()}@bench.test`,
      password: 'bench password long',
      displayName: 'Buyer',
      roles: ['BUYER'],
    }),
  });
  const { token, user } = (await reg.json()) as { token: string; user: { id: string } };
  const order = await prisma.order.create({
    data: { bundleId, buyerId: user.id, amount: 1000, currency: 'usd', status: 'PAID', paidAt: new Date() },
  });
  const license = await prisma.license.create({ data: { orderId: order.id, bundleId, buyerId: user.id } });
  const dev = await fetch(`${base}/v1/licenses/${license.id}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey: generateDeviceKeyPair().publicKey }),
  });
  const device = (await dev.json()) as { id: string };
  return { token, userId: user.id, licenseId: license.id, keysBody: JSON.stringify({ deviceId: device.id }) };
}

/** The parts of autocannon's JSON result the benches read. */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * autocannon's JSON result of POSTing the buyer's key request to `url` on `connections` connections
 * for `seconds`. Asynchronous: in cluster mode the primary process accepts the connections and must
 * stay responsive.
 */
export async function keyRequestLoad(
  url: string,
  buyer: LicensedBuyer,
  connections: number,
  seconds: number,
): Promise<AutocannonResult> {
  const args = [
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '-m',
    'POST',
    '-H',
    `authorization=Bearer ${buyer.token}`,
    '-H',
    'content-type=application/json',
    '-b',
    buyer.keysBody,
    '-j',
    url,
  ];
  const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/autocannon'), args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as AutocannonResult;
}
