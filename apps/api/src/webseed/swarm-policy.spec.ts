import { blocksOf, PeerView, requesterSwarm, servedAfterRefusal, swarmCanServe, SwarmView } from './swarm-policy';

const leecher = (ip: string): PeerView => ({ ip, seeder: false });
const seeder = (ip: string): PeerView => ({ ip, seeder: true });
/** [hybrid peers, v1-twin peers] */
const view = (hybrid: PeerView[], twin: PeerView[] = [], platformSeeds = 0): SwarmView => ({
  torrents: [hybrid, twin],
  platformSeeds,
});

describe('swarm policy', () => {
  it('serves a requester the tracker does not know as a leecher', () => {
    expect(requesterSwarm(view([leecher('10.0.0.2'), seeder('10.0.0.3')]), '10.0.0.1')).toBeNull();
    expect(requesterSwarm(view([seeder('10.0.0.1')]), '10.0.0.1')).toBeNull();
  });

  it('serves a lone leecher whose only seed is the platform seed', () => {
    const s = requesterSwarm(view([leecher('10.0.0.1'), seeder('10.0.0.9')], [seeder('10.0.0.9')], 1), '10.0.0.1')!;
    expect(s).toEqual({ torrents: [0], externalSeeders: 0, otherLeechers: [] });
    expect(swarmCanServe(s, true)).toBe(false);
  });

  it("never counts the requester's own announces as the swarm: the v1 twin it seeds, another port, a stale entry", () => {
    // One aria2 fetched the v1 twin (still announced as a seeder there), then the hybrid torrent,
    // from the same address, with an older announce of itself on another port.
    const s = requesterSwarm(
      view([leecher('127.0.0.1'), seeder('127.0.0.1'), leecher('127.0.0.1')], [seeder('127.0.0.1')]),
      '127.0.0.1',
    )!;
    expect(s).toEqual({ torrents: [0], externalSeeders: 0, otherLeechers: [] });
    expect(swarmCanServe(s, true)).toBe(false);
  });

  it("does not count the peers of another torrent: the twin's seeds cannot serve the hybrid's leechers", () => {
    const s = requesterSwarm(view([leecher('10.0.0.1')], [seeder('10.0.0.5'), leecher('10.0.0.6')]), '10.0.0.1')!;
    expect(s).toEqual({ torrents: [0], externalSeeders: 0, otherLeechers: [] });
    expect(swarmCanServe(s, true)).toBe(false);
  });

  it('refuses when a seed other than the platform seed is in the torrent', () => {
    const s = requesterSwarm(view([leecher('10.0.0.1'), seeder('10.0.0.9'), seeder('10.0.0.5')], [], 1), '10.0.0.1')!;
    expect(s.externalSeeders).toBe(1);
    expect(swarmCanServe(s, false)).toBe(true);
  });

  it('serves pieces no other current leecher received, refuses the ones one did', () => {
    const s = requesterSwarm(
      view(
        [leecher('10.0.0.1'), leecher('10.0.0.2'), leecher('10.0.0.2'), leecher('10.0.0.3'), seeder('10.0.0.9')],
        [],
        1,
      ),
      '10.0.0.1',
    )!;
    expect(s.otherLeechers).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(swarmCanServe(s, false)).toBe(false);
    expect(swarmCanServe(s, true)).toBe(true);
  });

  it('counts the poorer torrent when one address leeches both', () => {
    const s = requesterSwarm(
      view([leecher('10.0.0.1'), leecher('10.0.0.2'), seeder('10.0.0.5')], [leecher('10.0.0.1')]),
      '10.0.0.1',
    )!;
    expect(s).toEqual({ torrents: [0, 1], externalSeeders: 0, otherLeechers: [] });
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
