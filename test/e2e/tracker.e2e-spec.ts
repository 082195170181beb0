import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import Redis from 'ioredis';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { redisConnection } from '@keyseed/queues';
import { bdecode, BNode, dictGet } from '@keyseed/torrent/bencode';
import { SWARM_STATS, SwarmStatsProvider } from '../../apps/api/src/catalog/swarm-stats';
import { startTestApp } from '../helpers/test-app';
import { createPublishedBundle, PublishedFixture } from '../helpers/published-bundle';

interface WsClient {
  on(event: 'message', cb: (data: Buffer) => void): void;
  once(event: 'open' | 'error', cb: (err?: Error) => void): void;
  send(data: string): void;
  close(): void;
}
// `ws` ships no type declarations here; this is the slice the test uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require('ws') as new (url: string, opts?: { headers?: Record<string, string> }) => WsClient;

/** Percent-encodes every byte, as BitTorrent clients do for binary query values. */
const binParam = (hex: string) => hex.replace(/../g, (b) => `%${b}`);

function announceUrl(
  infoHash: string,
  o: { port: number; left: number; event?: string; peerId?: string; compact?: 0 | 1 },
): string {
  const peerId = o.peerId ?? randomBytes(20).toString('hex');
  return (
    `/announce?info_hash=${binParam(infoHash)}&peer_id=${binParam(peerId)}&port=${o.port}&uploaded=0&downloaded=0` +
    `&left=${o.left}&compact=${o.compact ?? 1}${o.event ? `&event=${o.event}` : ''}`
  );
}

function decode(res: request.Response): BNode {
  return bdecode(res.body as Buffer);
}

function str(node: BNode | undefined): string | undefined {
  return node?.type === 'bytes' ? node.value.toString('utf8') : undefined;
}

function int(node: BNode | undefined): number | undefined {
  return node?.type === 'int' ? Number(node.value) : undefined;
}

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** Compact peers (BEP 23) → "ip:port" strings. */
function compactPeers(node: BNode | undefined): string[] {
  if (node?.type !== 'bytes') return [];
  const out: string[] = [];
  for (let i = 0; i + 6 <= node.value.length; i += 6) {
    out.push(`${[...node.value.subarray(i, i + 4)].join('.')}:${node.value.readUInt16BE(i + 4)}`);
  }
  return out;
}

describe('tracker (e2e)', () => {
  let app: NestExpressApplication;
  let http: App;
  let fx: PublishedFixture;

  beforeAll(async () => {
    app = await startTestApp();
    http = app.getHttpServer();
    fx = await createPublishedBundle(app, { items: [{ path: 'a.bin', locked: true, size: 100_000 }] });
  });
  afterAll(async () => app.close());

  /** Each test announces from its own (forwarded) address so rate limits do not interfere. */
  const from = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
  const get = (url: string, ip = from()) =>
    request(http).get(url).set('X-Forwarded-For', ip).buffer(true).parse(binary);
  /** A bundle published a moment ago may need one index reload (≤ 2 s) before its hashes are known. */
  const warmUp = async (hash: string) => {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const res = await get(announceUrl(hash, { port: 1, left: 0, event: 'stopped' }));
      if (!dictGet(decode(res) as never, 'failure reason')) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`tracker never accepted ${hash}`);
  };

  it('accepts info-hashes and peer ids containing 0x00 bytes (binary, percent-encoded as %00)', async () => {
    const withNul = `00${randomBytes(18).toString('hex')}00`;
    const res = await get(
      announceUrl(withNul, { port: 6881, left: 10, peerId: `00${randomBytes(19).toString('hex')}` }),
    ).expect(200);
    expect(str(dictGet(decode(res) as never, 'failure reason'))).toMatch(/unknown info_hash/);
  });

  it('answers an unknown info-hash with a bencoded failure reason (200, not 500)', async () => {
    const res = await get(
      announceUrl(randomBytes(20).toString('hex'), { port: 6881, left: 10, event: 'started' }),
    ).expect(200);
    const body = decode(res);
    expect(body.type).toBe('dict');
    expect(str(dictGet(body as never, 'failure reason'))).toMatch(/unknown info_hash/);
  });

  it('answers malformed announces with a bencoded failure reason', async () => {
    const res = await get('/announce?info_hash=abc&peer_id=x&port=1').expect(200);
    expect(str(dictGet(decode(res) as never, 'failure reason'))).toMatch(/info_hash/);
  });

  it('introduces peers of a published torrent with compact peer lists (v1, v2 truncated and legacy hashes)', async () => {
    for (const hash of [fx.infoHashV1, fx.infoHashV2.slice(0, 40), fx.infoHashV1Legacy]) {
      const seederIp = from();
      const seeder = decode(
        await get(announceUrl(hash, { port: 7001, left: 0, event: 'started' }), seederIp).expect(200),
      );
      expect(dictGet(seeder as never, 'failure reason')).toBeUndefined();
      expect(int(dictGet(seeder as never, 'interval'))).toBeGreaterThan(0);

      const leecher = decode(await get(announceUrl(hash, { port: 7002, left: 1000, event: 'started' })).expect(200));
      expect(int(dictGet(leecher as never, 'complete'))).toBe(1);
      expect(int(dictGet(leecher as never, 'incomplete'))).toBe(1);
      expect(compactPeers(dictGet(leecher as never, 'peers'))).toContain(`${seederIp}:7001`);
    }
  });

  it('returns loopback peers as they are (local swarms work)', async () => {
    const hash = fx.infoHashV1;
    await request(http)
      .get(announceUrl(hash, { port: 7101, left: 0, event: 'started' }))
      .expect(200);
    const res = await request(http)
      .get(announceUrl(hash, { port: 7102, left: 5, event: 'started' }))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(compactPeers(dictGet(decode(res) as never, 'peers'))).toContain('127.0.0.1:7101');
  });

  it('never hands a peer itself: the same peer_id from another port is that peer; another id behind the same IP is not', async () => {
    const b = await createPublishedBundle(app, { items: [{ path: 's.bin', locked: false, size: 1000 }] });
    await warmUp(b.infoHashV1);
    const ip = from();
    const me = randomBytes(20).toString('hex');
    const peersOf = (res: request.Response) => compactPeers(dictGet(decode(res) as never, 'peers'));
    await get(announceUrl(b.infoHashV1, { port: 7301, left: 10, peerId: me, event: 'started' }), ip).expect(200);
    // The same client, now on another port (a restart keeping its id): still one peer, not its own peer.
    const moved = decode(await get(announceUrl(b.infoHashV1, { port: 7302, left: 10, peerId: me }), ip).expect(200));
    expect(int(dictGet(moved as never, 'incomplete'))).toBe(1);
    expect(compactPeers(dictGet(moved as never, 'peers'))).toEqual([]);
    // A second client behind the same IP, with its own id and port, is another peer.
    const other = await get(announceUrl(b.infoHashV1, { port: 7303, left: 10, event: 'started' }), ip).expect(200);
    expect(peersOf(other)).toEqual([`${ip}:7302`]);
    expect(peersOf(await get(announceUrl(b.infoHashV1, { port: 7302, left: 10, peerId: me }), ip))).toEqual([
      `${ip}:7303`,
    ]);
  });

  it("does not list a client whose 'completed' arrives after its 'stopped' (finished and quit at once), until it starts again", async () => {
    const b = await createPublishedBundle(app, { items: [{ path: 'q.bin', locked: false, size: 1000 }] });
    await warmUp(b.infoHashV1);
    const ip = from();
    const quitter = randomBytes(20).toString('hex');
    const counts = (res: request.Response) => {
      const d = decode(res) as never;
      return [int(dictGet(d, 'complete')), int(dictGet(d, 'incomplete'))];
    };
    await get(announceUrl(b.infoHashV1, { port: 7401, left: 10, peerId: quitter, event: 'started' }), ip).expect(200);
    await get(announceUrl(b.infoHashV1, { port: 7401, left: 0, peerId: quitter, event: 'stopped' }), ip).expect(200);
    const late = await get(
      announceUrl(b.infoHashV1, { port: 7401, left: 0, peerId: quitter, event: 'completed' }),
      ip,
    ).expect(200);
    expect(counts(late)).toEqual([0, 0]);
    const watcher = await get(announceUrl(b.infoHashV1, { port: 7402, left: 10, event: 'started' })).expect(200);
    expect(compactPeers(dictGet(decode(watcher) as never, 'peers'))).toEqual([]);
    // The same client started again is a peer again.
    const back = await get(
      announceUrl(b.infoHashV1, { port: 7401, left: 0, peerId: quitter, event: 'started' }),
      ip,
    ).expect(200);
    expect(counts(back)).toEqual([1, 1]);
  });

  it('caps numwant at 80 and answers compact peer strings (BEP 23), also when compact=0 is asked', async () => {
    const b = await createPublishedBundle(app, { items: [{ path: 'n.bin', locked: false, size: 1000 }] });
    await warmUp(b.infoHashV1);
    for (let i = 0; i < 85; i++)
      await get(announceUrl(b.infoHashV1, { port: 7400 + i, left: 10, event: 'started' })).expect(200);
    const many = decode(await get(`${announceUrl(b.infoHashV1, { port: 7499, left: 10 })}&numwant=500`).expect(200));
    const peers = dictGet(many as never, 'peers');
    expect(peers?.type).toBe('bytes');
    expect(peers?.type === 'bytes' && peers.value.length).toBe(80 * 6);
    const few = decode(
      await get(`${announceUrl(b.infoHashV1, { port: 7498, left: 10, compact: 0 })}&numwant=3`).expect(200),
    );
    expect(compactPeers(dictGet(few as never, 'peers'))).toHaveLength(3);
  });

  it('scrapes published hashes and refuses a full scrape', async () => {
    const res = await get(
      `/scrape?info_hash=${binParam(fx.infoHashV1)}&info_hash=${binParam(randomBytes(20).toString('hex'))}`,
    ).expect(200);
    const files = dictGet(decode(res) as never, 'files');
    expect(files?.type).toBe('dict');
    const entry = files?.type === 'dict' ? files.entries[0] : undefined;
    expect(files?.type === 'dict' && files.entries.length).toBe(1); // the unknown hash is left out
    expect(entry?.key.toString('hex')).toBe(fx.infoHashV1);
    expect(int(dictGet(entry!.value as never, 'complete'))).toBeGreaterThanOrEqual(1);
    expect(int(dictGet(entry!.value as never, 'downloaded'))).toBeGreaterThanOrEqual(0);
    const full = await get('/scrape').expect(200);
    expect(str(dictGet(decode(full) as never, 'failure reason'))).toMatch(/full scrape/);
  });

  it('does not track drafts or taken-down bundles', async () => {
    const draft = await createPublishedBundle(app, {
      status: 'TAKEN_DOWN',
      items: [{ path: 'x.bin', locked: false, size: 10 }],
    });
    const res = await get(announceUrl(draft.infoHashV1, { port: 6881, left: 0, event: 'started' })).expect(200);
    expect(str(dictGet(decode(res) as never, 'failure reason'))).toMatch(/unknown info_hash/);
  });

  it('rate-limits announces per address with a bencoded failure (counted in Redis, shared by replicas)', async () => {
    const ip = from();
    const limit = app.get<KeyseedConfig>(KEYSEED_CONFIG).ANNOUNCES_PER_MINUTE;
    // Another replica already counted limit - 3 announces from this address in this (and the next) minute.
    const redis = new Redis(redisConnection(process.env.REDIS_URL!));
    const window = Math.floor(Date.now() / 60_000);
    for (const w of [window, window + 1])
      await redis.set(`${process.env.REDIS_PREFIX}:tracker:rate:${ip}:${w}`, String(limit - 3), 'EX', 180);
    redis.disconnect();
    const reasons: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await get(announceUrl(fx.infoHashV1, { port: 8000 + i, left: 1 }), ip).expect(200);
      reasons.push(str(dictGet(decode(res) as never, 'failure reason')));
    }
    expect(reasons.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(reasons[3]).toMatch(/too many tracker requests/);
    // another address is unaffected
    const other = await get(announceUrl(fx.infoHashV1, { port: 9000, left: 1 })).expect(200);
    expect(dictGet(decode(other) as never, 'failure reason')).toBeUndefined();
  });

  it("feeds the catalog: seeders and leechers merged over a bundle's hashes, completed counted once", async () => {
    const b = await createPublishedBundle(app, { items: [{ path: 'y.bin', locked: false, size: 1000 }] });
    const swarm = app.get<SwarmStatsProvider>(SWARM_STATS);
    const hashes = [b.infoHashV1, b.infoHashV2, b.infoHashV1Legacy];
    expect(await swarm.stats(hashes)).toEqual({ seeders: 0, leechers: 0, completed: 0 });
    await warmUp(b.infoHashV1);
    const seederIp = from();
    // a hybrid client announces both hashes from one address and port
    await get(announceUrl(b.infoHashV1, { port: 7201, left: 0, event: 'started' }), seederIp).expect(200);
    await get(announceUrl(b.infoHashV2.slice(0, 40), { port: 7201, left: 0, event: 'started' }), seederIp).expect(200);
    const leecherIp = from();
    await get(announceUrl(b.infoHashV1Legacy, { port: 7202, left: 10, event: 'started' }), leecherIp).expect(200);
    expect(await swarm.stats(hashes)).toEqual({ seeders: 1, leechers: 1, completed: 0 });

    await get(announceUrl(b.infoHashV1Legacy, { port: 7202, left: 0, event: 'completed' }), leecherIp).expect(200);
    await get(announceUrl(b.infoHashV1Legacy, { port: 7202, left: 0, event: 'completed' }), leecherIp).expect(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(await swarm.stats(hashes)).toEqual({ seeders: 2, leechers: 0, completed: 1 });
  });

  it('speaks the WebSocket tracker protocol on /announce for browser peers', async () => {
    const server = app.getHttpServer();
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    // Behind a (loopback) proxy: the peer address comes from X-Forwarded-For, like HTTP announces.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/announce`, { headers: { 'X-Forwarded-For': from() } });
    const messages: Record<string, unknown>[] = [];
    const next = () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no WebSocket tracker answer within 5 s')), 5000);
        const check = () => {
          if (messages.length) {
            clearTimeout(timer);
            resolve(messages.shift()!);
          } else setTimeout(check, 20);
        };
        check();
      });
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const latin1 = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');
    const peerId = latin1(randomBytes(20).toString('hex'));
    ws.send(
      JSON.stringify({
        action: 'announce',
        info_hash: latin1(fx.infoHashV1),
        peer_id: peerId,
        numwant: 0,
        left: 0,
        event: 'started',
        offers: [],
      }),
    );
    const ok = await next();
    expect(ok).toMatchObject({ action: 'announce', complete: expect.any(Number), interval: expect.any(Number) });
    expect(ok['failure reason']).toBeUndefined();
    ws.send(
      JSON.stringify({
        action: 'announce',
        info_hash: latin1(randomBytes(20).toString('hex')),
        peer_id: peerId,
        left: 0,
        event: 'started',
        offers: [],
      }),
    );
    const refused = await next();
    expect(refused['failure reason']).toMatch(/unknown info_hash/);
    ws.close();
  });
});
