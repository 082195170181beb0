import Redis from 'ioredis';
import {
  comparableAddress,
  publishWebseedRange,
  readWebseedRanges,
  webseedRangesFromNow,
} from '../../libs/egress/src/webseed-ranges';

describe('webseed ranges (the Redis stream from the webseed to the platform seeds)', () => {
  const redis = new Redis(process.env.REDIS_URL!);
  const reader = new Redis(process.env.REDIS_URL!);
  const prefix = `${process.env.REDIS_PREFIX}_ranges`;

  afterAll(async () => {
    await redis.del(`${prefix}:webseed:ranges`);
    redis.disconnect();
    reader.disconnect();
  });

  it('hands the seed every range published after the point it read from, in order, and waits for the next', async () => {
    await publishWebseedRange(redis, prefix, { bundleId: 'old', path: 'a', client: '192.0.2.1', start: 0, end: 1 });
    const from = webseedRangesFromNow();
    await new Promise((r) => setTimeout(r, 5));
    const first = { bundleId: 'b1', path: 'film.mkv.locked', client: '192.0.2.7', start: 0, end: 16 * 2 ** 20 - 1 };
    const second = { ...first, start: 16 * 2 ** 20, end: 20 * 2 ** 20 };
    await publishWebseedRange(redis, prefix, first);
    await publishWebseedRange(redis, prefix, second);
    const read = await readWebseedRanges(reader, prefix, from, 100);
    expect(read.ranges).toEqual([first, second]);

    // Nothing new: the read waits its block time, then answers empty and keeps its place.
    const t0 = Date.now();
    const none = await readWebseedRanges(reader, prefix, read.last, 200);
    expect(none).toEqual({ ranges: [], last: read.last });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);

    // A blocked read gets a range published while it waits.
    const waiting = readWebseedRanges(reader, prefix, read.last, 2000);
    await new Promise((r) => setTimeout(r, 50));
    await publishWebseedRange(redis, prefix, { ...first, bundleId: 'b2' });
    expect((await waiting).ranges.map((r) => r.bundleId)).toEqual(['b2']);
  });

  it('compares IPv4-mapped IPv6 addresses (a dual-stack socket) with plain IPv4 (the tracker)', () => {
    expect(comparableAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(comparableAddress('127.0.0.2')).toBe('127.0.0.2');
    expect(comparableAddress('2001:DB8::1')).toBe('2001:db8::1');
  });
});
