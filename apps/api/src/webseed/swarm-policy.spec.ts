import { blocksOf, servedAfterRefusal, swarmCanServe } from './swarm-policy';

describe('swarm policy', () => {
  it('serves a lone leecher whose only seed is the platform seed', () => {
    expect(swarmCanServe({ seeders: 1, leechers: 1, platformSeeds: 1 }, true)).toBe(false);
  });

  it('refuses when a seed other than the platform seed is in the swarm', () => {
    expect(swarmCanServe({ seeders: 2, leechers: 1, platformSeeds: 1 }, false)).toBe(true);
    expect(swarmCanServe({ seeders: 1, leechers: 1, platformSeeds: 0 }, false)).toBe(true);
  });

  it('serves pieces that never went out, refuses pieces other leechers already received', () => {
    const view = { seeders: 1, leechers: 4, platformSeeds: 1 };
    expect(swarmCanServe(view, false)).toBe(false);
    expect(swarmCanServe(view, true)).toBe(true);
  });

  it('serves a refused client that comes back after Retry-After, not before', () => {
    expect(servedAfterRefusal(null, 10_000, 30)).toBe(false);
    expect(servedAfterRefusal(10_000, 20_000, 30)).toBe(false);
    expect(servedAfterRefusal(10_000, 40_000, 30)).toBe(true);
  });

  it('maps a byte range to the piece-sized blocks it touches', () => {
    expect(blocksOf(0, 16383, 16384)).toEqual({ first: 0, last: 0 });
    expect(blocksOf(16383, 16384, 16384)).toEqual({ first: 0, last: 1 });
  });
});
