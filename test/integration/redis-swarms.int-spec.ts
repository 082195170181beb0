import Redis from 'ioredis';
import { RedisSwarms } from '../../apps/api/src/tracker/redis-swarms';
import { compactPeer } from '../../apps/api/src/tracker/announce-request';

const HASH_A = 'aa'.repeat(20);
const HASH_B = 'bb'.repeat(20);
const peer = (n: number) => compactPeer(`192.0.2.${n}`, 6881);

describe('RedisSwarms (the tracker swarm state shared by API replicas)', () => {
  const redis = new Redis(process.env.REDIS_URL!);
  const prefix = `${process.env.REDIS_PREFIX}_swarms`;
  let swarms: RedisSwarms;
  let rate = 0;
  const announce = (infoHash: string, n: number, seeder: boolean, event = '', numwant = 50) =>
    swarms.announce({ infoHash, peer: peer(n), seeder, event, numwant }, `${prefix}:rate:${rate++}`, 100, 60);

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

  it('expires peers that stop announcing', async () => {
    const short = new RedisSwarms(redis, `${prefix}_ttl`, 150);
    const hash = 'cc'.repeat(20);
    await short.announce(
      { infoHash: hash, peer: peer(31), seeder: true, event: '', numwant: 50 },
      `${prefix}:r1`,
      9,
      60,
    );
    expect(await short.counts([hash])).toEqual([{ complete: 1, incomplete: 0 }]);
    await new Promise((r) => setTimeout(r, 250));
    expect(await short.counts([hash])).toEqual([{ complete: 0, incomplete: 0 }]);
    const next = await short.announce(
      { infoHash: hash, peer: peer(32), seeder: false, event: '', numwant: 50 },
      `${prefix}:r1`,
      9,
      60,
    );
    expect(next).toEqual({ complete: 0, incomplete: 1, peers: [] });
  });

  it('refuses announces over the rate limit in the same script call', async () => {
    const key = `${prefix}:rate:fixed`;
    const one = () =>
      swarms.announce({ infoHash: HASH_A, peer: peer(40), seeder: false, event: '', numwant: 1 }, key, 2, 60);
    expect(await one()).not.toBeNull();
    expect(await one()).not.toBeNull();
    expect(await one()).toBeNull();
  });
});
