import { admissionRule, mayRefuseSomeone, PeerView, requesterSwarm, SwarmView } from './swarm-policy';

const leecher = (ip: string): PeerView => ({ ip, seeder: false });
const seeder = (ip: string): PeerView => ({ ip, seeder: true });
/** [hybrid peers, v1-twin peers] */
const view = (hybrid: PeerView[], twin: PeerView[] = [], platformSeeds = 0): SwarmView => ({
  torrents: [hybrid, twin],
  platformSeeds,
});
const PLATFORM = '10.0.0.9';

describe('swarm policy', () => {
  it('never refuses a requester the tracker does not know as a leecher', () => {
    expect(requesterSwarm(view([leecher('10.0.0.2'), seeder(PLATFORM)], [], 1), '10.0.0.1')).toBeNull();
    expect(requesterSwarm(view([seeder('10.0.0.1')]), '10.0.0.1')).toBeNull();
    expect(admissionRule(null, 1)).toBe('never');
  });

  it('serves a lone first buyer whose only seed is the platform seed, and sends later ones to the fed', () => {
    const s = requesterSwarm(view([leecher('10.0.0.1'), seeder(PLATFORM)], [seeder(PLATFORM)], 1), '10.0.0.1')!;
    expect(s).toEqual({ torrents: [0], seeders: 1, externalSeeders: 0, others: [PLATFORM] });
    // The webseed feeds nobody yet in this swarm: the rule admits it (WEBSEED_FEEDERS others needed).
    expect(admissionRule(s, 1)).toBe('when-fed');
  });

  it('never refuses without a platform seed to fall back on, whatever else seeds (it may leave)', () => {
    const s = requesterSwarm(view([leecher('10.0.0.1'), seeder('10.0.0.5'), leecher('10.0.0.6')]), '10.0.0.1')!;
    expect(s.externalSeeders).toBe(1);
    expect(admissionRule(s, 0)).toBe('never');
    // A platform seed up (heartbeat) but not in this swarm yet (it has not announced the torrent).
    const notYet = requesterSwarm(view([leecher('10.0.0.1'), leecher('10.0.0.6')], [], 1), '10.0.0.1')!;
    expect(admissionRule(notYet, 1)).toBe('never');
  });

  it('refuses at once when a seeder besides the platform seed is in the torrent', () => {
    const s = requesterSwarm(view([leecher('10.0.0.1'), seeder(PLATFORM), seeder('10.0.0.5')], [], 1), '10.0.0.1')!;
    expect(s.externalSeeders).toBe(1);
    expect(admissionRule(s, 1)).toBe('always');
  });

  it("never counts the requester's own announces as the swarm: the v1 twin it seeds, another port, a stale entry", () => {
    // One aria2 fetched the v1 twin (still announced as a seeder there), then the hybrid torrent,
    // from the same address, with an older announce of itself on another port.
    const s = requesterSwarm(
      view([leecher('127.0.0.1'), seeder('127.0.0.1'), leecher('127.0.0.1')], [seeder('127.0.0.1')], 1),
      '127.0.0.1',
    )!;
    expect(s).toEqual({ torrents: [0], seeders: 0, externalSeeders: 0, others: [] });
    expect(admissionRule(s, 1)).toBe('never');
  });

  it("does not count the peers of another torrent: the twin's seeds cannot serve the hybrid's leechers", () => {
    const s = requesterSwarm(view([leecher('10.0.0.1')], [seeder('10.0.0.5'), seeder(PLATFORM)], 1), '10.0.0.1')!;
    expect(s).toEqual({ torrents: [0], seeders: 0, externalSeeders: 0, others: [] });
    expect(admissionRule(s, 1)).toBe('never');
  });

  it('lists the other peers once per address', () => {
    const s = requesterSwarm(
      view(
        [leecher('10.0.0.1'), leecher('10.0.0.2'), leecher('10.0.0.2'), leecher('10.0.0.3'), seeder(PLATFORM)],
        [],
        1,
      ),
      '10.0.0.1',
    )!;
    expect(s.others).toEqual(['10.0.0.2', '10.0.0.3', PLATFORM]);
  });

  it('counts the poorer torrent when one address leeches both', () => {
    const s = requesterSwarm(
      view([leecher('10.0.0.1'), leecher('10.0.0.2'), seeder('10.0.0.5'), seeder(PLATFORM)], [leecher('10.0.0.1')], 1),
      '10.0.0.1',
    )!;
    expect(s).toEqual({ torrents: [0, 1], seeders: 0, externalSeeders: 0, others: [] });
    expect(admissionRule(s, 1)).toBe('never');
  });

  it('waits for an unknown requester only where it could be refused', () => {
    expect(mayRefuseSomeone(view([leecher('10.0.0.2'), seeder(PLATFORM)], [], 1))).toBe(true);
    expect(mayRefuseSomeone(view([leecher('10.0.0.2'), seeder('10.0.0.5')], [], 0))).toBe(false);
    expect(mayRefuseSomeone(view([leecher('10.0.0.2')], [leecher('10.0.0.3')], 1))).toBe(false);
  });
});
