import { once } from 'node:events';
import { createServer, get as httpGet, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import pino from 'pino';
import { collectLogLines } from '../../../../test/helpers/log-lines';
import { accessLog, WARM_UP_HEADER, WARM_UP_MARK } from './access-log';

describe('accessLog', () => {
  let server: Server;
  let lines: Record<string, unknown>[];

  beforeEach(async () => {
    lines = [];
    const log = accessLog(pino({ level: 'info' }, collectLogLines(lines)));
    server = createServer((req, res) => log(req, res, () => res.writeHead(201).end('done')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { headers }).then(async (r) => {
      await r.text();
      await new Promise((done) => setImmediate(done));
      return r;
    });

  it('logs method, URL, status, address and request id, never the headers (bearer tokens, Stripe signatures)', async () => {
    const res = await get('/v1/licenses?x=1', {
      authorization: 'Bearer secret-token-123',
      'stripe-signature': 't=1,v1=abc',
      'x-request-id': 'trace-7',
      'user-agent': 'keyseed-test',
    });
    expect(res.headers.get('x-request-id')).toBe('trace-7');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      req: { id: 'trace-7', method: 'GET', url: '/v1/licenses?x=1', address: '127.0.0.1', userAgent: 'keyseed-test' },
      res: { statusCode: 201 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toMatch(/secret-token-123|v1=abc|authorization|headers/i);
  });

  it('does not log BitTorrent traffic or health probes one request at a time', async () => {
    await get('/webseed/abc/film.mkv');
    await get('/announce?info_hash=x');
    await get('/health');
    expect(lines).toEqual([]);
  });

  it("leaves out the API's own warm-up requests, which carry this process's mark, and logs one with another value", async () => {
    await get('/v1/licenses/x/keys', { [WARM_UP_HEADER]: WARM_UP_MARK });
    expect(lines).toEqual([]);
    await get('/v1/licenses/x/keys', { [WARM_UP_HEADER]: 'guessed' });
    expect(lines).toHaveLength(1);
  });

  it('drops the values of secret-looking query parameters (access_token, token) from the logged URL', async () => {
    await get('/v1/catalog?access_token=sekrit-1&page=2&token=sekrit-2&api_key=sekrit-3&Session%5Ftoken=sekrit-4');
    expect(lines).toHaveLength(1);
    expect((lines[0].req as { url: string }).url).toBe(
      '/v1/catalog?access_token=[redacted]&page=2&token=[redacted]&api_key=[redacted]&Session%5Ftoken=[redacted]',
    );
    expect(JSON.stringify(lines)).not.toMatch(/sekrit/);
  });
});

describe('accessLog of streamed responses (.torrent downloads)', () => {
  let server: Server;
  let lines: { msg: string; res: { statusCode: number } }[];
  let chunks = 8;
  const CHUNK = 64 * 1024;
  /** The source ends a little after its last chunk, as a file stream may. */
  async function* body() {
    for (let i = 0; i < chunks; i++) yield Buffer.alloc(CHUNK, 7);
    await new Promise((done) => setTimeout(done, 50));
  }

  beforeEach(async () => {
    lines = [];
    const log = accessLog(pino({ level: 'info' }, collectLogLines(lines)));
    // As Nest sends a StreamableFile: headers with the length, then the body piped from a stream,
    // never reading the request.
    server = createServer((req, res) =>
      log(req, res, () => {
        res.writeHead(200, { 'content-type': 'application/x-bittorrent', 'content-length': chunks * CHUNK });
        Readable.from(body()).pipe(res);
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(() => server.close());

  /** One download on its own connection, which the client closes once it has `closeAfter` bytes (default: all). */
  const download = (closeAfter = chunks * CHUNK) =>
    new Promise<number>((resolve, reject) => {
      let bytes = 0;
      const port = (server.address() as AddressInfo).port;
      const req = httpGet({ host: '127.0.0.1', port, path: '/v1/catalog/x/torrent', agent: false }, (res) =>
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes >= closeAfter) req.destroy();
        }),
      );
      req.on('close', () => resolve(bytes));
      req.on('error', (err) => (bytes >= closeAfter ? resolve(bytes) : reject(err)));
    });
  const logged = async (n: number) => {
    for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((done) => setTimeout(done, 5));
    return lines;
  };

  it('logs a download as completed when the client closes the connection as soon as it has every byte', async () => {
    const received = await Promise.all(Array.from({ length: 20 }, () => download()));
    expect(received).toEqual(Array(20).fill(chunks * CHUNK));
    expect((await logged(20)).map((l) => l.msg)).toEqual(Array(20).fill('request completed'));
  });

  it('logs a download the client gave up on as aborted', async () => {
    chunks = 512; // 32 MiB: more than the socket buffers hold, so the server is still sending
    expect(await download(CHUNK)).toBeLessThan(chunks * CHUNK);
    expect((await logged(1)).map((l) => l.msg)).toEqual(['request aborted']);
  });
});
