import Redis from 'ioredis';
import { RedisSwarms } from '../../apps/api/src/tracker/redis-swarms';
import { compactPeer } from '../../apps/api/src/tracker/announce-request';

const HASH_A = 'aa'.repeat(20);
const HASH_B = 'bb'.repeat(20);
const peer = (n: number, port = 6881) => compactPeer(`192.0.2.${n}`, port);
/** Peer ids: 20 bytes, one per test client (`n`), or `version` for a client restarted with a new id. */
const id = (n: number, version = 0) =>
  Buffer.from(`-KS0001-${String(n).padStart(6, '0')}${String(version).padStart(6, '0')}`);

describe('RedisSwarms (the tracker swarm state shared by API replicas)', () => {
  const redis = new Redis(process.env.REDIS_URL!);
  const prefix = `${process.env.REDIS_PREFIX}_swarms`;
  let swarms: RedisSwarms;
  let rate = 0;
  const announce = (infoHash: string, n: number, seeder: boolean, event = '', numwant = 50) =>
    swarms.announce(
      { infoHash, peerId: id(n), peer: peer(n), seeder, event, numwant },
      `${prefix}:rate:${rate++}`,
      100,
      60,
    );
  /** An announce with a chosen peer id and port. */
  const from = (infoHash: string, peerId: Buffer, address: Buffer, seeder = false) =>
    swarms.announce(
      { infoHash, peerId, peer: address, seeder, event: '', numwant: 50 },
      `${prefix}:rate:${rate++}`,
      100,
      60,
    );

  beforeAll(() => {
    swarms = new RedisSwarms(redis, prefix, 60_000);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('never returns the announcing peer to itself, gives seeders only leechers, and caps the list at numwant', async () => {
    for (let n = 1; n <= 5; n++) await announce(HASH_A, n, true);
    for (let n = 11; n <= 15; n++) await announce(HASH_A, n, false);
    const leecher = await announce(HASH_A, 11, false, '', 50);
    expect(leecher).toMatchObject({ complete: 5, incomplete: 5 });
    expect(leecher!.peers).toHaveLength(9);
    expect(leecher!.peers.some((p) => p.equals(peer(11)))).toBe(false);
    const seeder = await announce(HASH_A, 1, true);
    expect(seeder!.peers.map((p) => p[3]).sort((a, b) => a - b)).toEqual([11, 12, 13, 14, 15]);
    expect((await announce(HASH_A, 12, false, '', 3))!.peers).toHaveLength(3);
    expect((await announce(HASH_A, 12, false, '', 0))!.peers).toHaveLength(0);
  });

  it('moves a completing leecher to the seeders, drops a stopped peer, and merges hashes without double counting', async () => {
    await announce(HASH_B, 21, false);
    await announce(HASH_B, 22, false);
    expect(await swarms.counts([HASH_B])).toEqual([{ complete: 0, incomplete: 2 }]);
    await announce(HASH_B, 21, true, 'completed');
    await announce(HASH_B, 22, false, 'stopped');
    expect(await swarms.counts([HASH_B])).toEqual([{ complete: 1, incomplete: 0 }]);
    await announce(HASH_A, 21, false); // the same peer leeching another hash of the bundle
    const merged = await swarms.mergedCounts([HASH_A, HASH_B]);
    expect(merged.seeders).toBe(5 + 1); // peer 21 counts once, as a seeder
    expect(merged.leechers).toBe(5);
  });

  it('knows a peer by its peer_id: the same id from another port is the same peer, never handed to itself', async () => {
    const hash = 'dd'.repeat(20);
    await from(hash, id(50), peer(50, 7001));
    // The client moved to another port (restart with the same id): it replaces its old address.
    const moved = await from(hash, id(50), peer(50, 7002));
    expect(moved).toEqual({ complete: 0, incomplete: 1, peers: [] });
    // Another client behind the same IP (another id and port) is a different peer: they meet.
    const neighbour = await from(hash, id(51), peer(50, 7003));
    expect(neighbour!.incomplete).toBe(2);
    expect(neighbour!.peers).toEqual([peer(50, 7002)]);
    // A client restarted on the same port under a new id replaces the old id at that address.
    const restarted = await from(hash, id(51, 1), peer(50, 7003));
    expect(restarted!.incomplete).toBe(2);
    expect(restarted!.peers).toEqual([peer(50, 7002)]);
    const first = await from(hash, id(50), peer(50, 7002));
    expect(first!.peers).toEqual([peer(50, 7003)]);
    expect(await swarms.peers([hash], 100)).toEqual([
      expect.arrayContaining([
        { peer: peer(50, 7002), seeder: false },
        { peer: peer(50, 7003), seeder: false },
      ]),
    ]);
    expect((await swarms.peers([hash], 100))[0]).toHaveLength(2);
  });

  it('expires peers that stop announcing', async () => {
    const short = new RedisSwarms(redis, `${prefix}_ttl`, 150);
    const hash = 'cc'.repeat(20);
    await short.announce(
      { infoHash: hash, peerId: id(31), peer: peer(31), seeder: true, event: '', numwant: 50 },
      `${prefix}:r1`,
      9,
      60,
    );
    expect(await short.counts([hash])).toEqual([{ complete: 1, incomplete: 0 }]);
    await new Promise((r) => setTimeout(r, 250));
    expect(await short.counts([hash])).toEqual([{ complete: 0, incomplete: 0 }]);
    const next = await short.announce(
      { infoHash: hash, peerId: id(32), peer: peer(32), seeder: false, event: '', numwant: 50 },
      `${prefix}:r1`,
      9,
      60,
    );
    expect(next).toEqual({ complete: 0, incomplete: 1, peers: [] });
  });

  it('refuses announces over the rate limit in the same script call', async () => {
    const key = `${prefix}:rate:fixed`;
    const one = () =>
      swarms.announce(
        { infoHash: HASH_A, peerId: id(40), peer: peer(40), seeder: false, event: '', numwant: 1 },
        key,
        2,
        60,
      );
    expect(await one()).not.toBeNull();
    expect(await one()).not.toBeNull();
    expect(await one()).toBeNull();
  });
});
