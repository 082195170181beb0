import { isIP } from 'node:net';

/** Peers returned when the client names no `numwant`, and the most it may ask for. */
export const DEFAULT_NUMWANT = 50;
export const MAX_NUMWANT = 80;

export type AnnounceEvent = 'started' | 'stopped' | 'completed' | '';

/** An HTTP announce (BEP 3) as the tracker uses it: the swarm, the peer's compact address, its state. */
export interface AnnounceRequest {
  /** 40 lowercase hex: a v1 info-hash or a v2 one truncated to 20 bytes. */
  infoHash: string;
  /** 20 bytes: the peer's identity (BEP 3); the same id from another port is the same peer. */
  peerId: Buffer;
  /** The peer as it appears in compact lists: 4-byte IPv4 or 16-byte IPv6 address + 2-byte port (BEP 23/7). */
  peer: Buffer;
  seeder: boolean;
  event: AnnounceEvent;
  numwant: number;
}

/** Percent-decoding to raw bytes (binary query values are not UTF-8). */
export function percentDecodeBytes(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c === '+' ? 0x20 : value.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

/** The raw (still percent-encoded) values of a query string, by name; repeated names keep every value. */
export function rawQuery(url: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const q = url.indexOf('?');
  if (q < 0) return params;
  for (const part of url.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const list = params.get(name) ?? [];
    list.push(eq < 0 ? '' : part.slice(eq + 1));
    params.set(name, list);
  }
  return params;
}

/** A peer's compact form: address bytes + big-endian port. */
export function compactPeer(ip: string, port: number): Buffer {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) {
    const b = Buffer.alloc(6);
    v4[1].split('.').forEach((octet, i) => (b[i] = Number(octet)));
    b.writeUInt16BE(port, 4);
    return b;
  }
  if (isIP(ip) !== 6) throw new Error(`not an IP address: ${ip}`);
  const b = Buffer.alloc(18);
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  b.writeUInt16BE(port, 16);
  return b;
}

/** The IP address of a compact peer (IPv6 without brackets, zeros not compressed). */
export function ipOfCompact(peer: Buffer): string {
  if (peer.length === 6) return `${peer[0]}.${peer[1]}.${peer[2]}.${peer[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(peer.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/**
 * An address as the tracker's peer lists spell it (v4-mapped IPv6 as IPv4, IPv6 uncompressed), so
 * the webseed can find a requester among the peers; unparsable input comes back unchanged.
 */
export function canonicalIp(ip: string): string {
  try {
    return ipOfCompact(compactPeer(ip, 0));
  } catch {
    return ip;
  }
}

function integer(params: Map<string, string[]>, name: string): number | null | 'invalid' {
  const v = params.get(name)?.[0];
  if (v === undefined || v === '') return null;
  return /^\d+$/.test(v) ? Number(v) : 'invalid';
}

/**
 * Parses an HTTP announce. `address` is the client's address as the API resolved it (through
 * trusted proxies); a client-supplied `ip` parameter is ignored, so nobody can announce another
 * host into a swarm. Returns a failure reason for the client instead of throwing.
 */
export function parseAnnounce(url: string, address: string): AnnounceRequest | { failure: string } {
  const params = rawQuery(url);
  const infoHash = params.get('info_hash');
  if (!infoHash || infoHash.length !== 1) return { failure: 'invalid info_hash: pass exactly one, 20 bytes' };
  const hash = percentDecodeBytes(infoHash[0]);
  if (hash.length !== 20) return { failure: `invalid info_hash: expected 20 bytes, got ${hash.length}` };
  const rawPeerId = params.get('peer_id')?.[0];
  const peerId = rawPeerId === undefined ? null : percentDecodeBytes(rawPeerId);
  if (peerId?.length !== 20) return { failure: 'invalid peer_id: expected 20 bytes' };
  const port = integer(params, 'port');
  if (port === null || port === 'invalid' || port < 1 || port > 65535)
    return { failure: 'invalid port: expected 1 to 65535' };
  const left = integer(params, 'left');
  if (left === 'invalid') return { failure: 'invalid left: expected a number of bytes' };
  const event = params.get('event')?.[0] ?? '';
  if (!['started', 'stopped', 'completed', '', 'empty', 'paused'].includes(event))
    return { failure: 'invalid event: expected started, stopped or completed' };
  const numwant = integer(params, 'numwant');
  if (numwant === 'invalid') return { failure: 'invalid numwant: expected a number' };
  let peer: Buffer;
  try {
    peer = compactPeer(address, port);
  } catch {
    return { failure: 'cannot tell your address' };
  }
  return {
    infoHash: hash.toString('hex'),
    peerId,
    peer,
    seeder: left === 0 || event === 'completed',
    event: event === 'started' || event === 'stopped' || event === 'completed' ? event : '',
    numwant: Math.min(numwant ?? DEFAULT_NUMWANT, MAX_NUMWANT),
  };
}
