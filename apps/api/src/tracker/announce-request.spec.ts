import { compactPeer, MAX_NUMWANT, parseAnnounce } from './announce-request';

const HASH = '%00'.repeat(19) + 'A'; // 20 bytes, one of them printable
const PEER_ID = '-KS0001-' + 'x'.repeat(12);
const url = (extra: string) => `/announce?info_hash=${HASH}&peer_id=${PEER_ID}&port=6881&${extra}`;

describe('parseAnnounce', () => {
  it('reads a binary info-hash and keys the peer by the address the API resolved, never by ?ip=', () => {
    const a = parseAnnounce(url('left=0&ip=10.9.9.9&event=started'), '192.0.2.7');
    expect(a).toMatchObject({ infoHash: '00'.repeat(19) + '41', seeder: true, event: 'started' });
    expect('peer' in a && a.peer.toString('hex')).toBe('c00002071ae1');
  });

  it('caps numwant and defaults it', () => {
    expect(parseAnnounce(url('left=5&numwant=100000'), '192.0.2.7')).toMatchObject({ numwant: MAX_NUMWANT });
    expect(parseAnnounce(url('left=5'), '192.0.2.7')).toMatchObject({ numwant: 50, seeder: false });
    expect(parseAnnounce(url('left=5&numwant=0'), '192.0.2.7')).toMatchObject({ numwant: 0 });
  });

  it('refuses bad hashes, peer ids, ports, numbers and events with a reason', () => {
    expect(parseAnnounce('/announce?info_hash=abc&peer_id=x&port=1', '192.0.2.7')).toEqual({
      failure: 'invalid info_hash: expected 20 bytes, got 3',
    });
    expect(parseAnnounce(url('left=1').replace(PEER_ID, 'short'), '192.0.2.7')).toMatchObject({ failure: /peer_id/ });
    expect(parseAnnounce(url('left=1').replace('port=6881', 'port=70000'), '192.0.2.7')).toMatchObject({
      failure: /port/,
    });
    expect(parseAnnounce(url('left=-1'), '192.0.2.7')).toMatchObject({ failure: /left/ });
    expect(parseAnnounce(url('event=bogus'), '192.0.2.7')).toMatchObject({ failure: /event/ });
  });

  it('encodes IPv4 (also v4-mapped) and IPv6 peers compactly (BEP 23, BEP 7)', () => {
    expect(compactPeer('::ffff:127.0.0.1', 80).toString('hex')).toBe('7f0000010050');
    expect(compactPeer('2001:db8::1', 443).toString('hex')).toBe('20010db8000000000000000000000001' + '01bb');
    expect(() => compactPeer('not-an-ip', 1)).toThrow();
  });
});
