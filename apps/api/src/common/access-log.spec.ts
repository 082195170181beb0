import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { accessLog } from './access-log';

describe('accessLog', () => {
  let server: Server;
  let lines: Record<string, unknown>[];

  beforeEach(async () => {
    lines = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => lines.push(JSON.parse(l))),
    );
    const log = accessLog(pino({ level: 'info' }, out));
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

  it('drops the values of secret-looking query parameters (access_token, token) from the logged URL', async () => {
    await get('/v1/catalog?access_token=sekrit-1&page=2&token=sekrit-2&api_key=sekrit-3&Session%5Ftoken=sekrit-4');
    expect(lines).toHaveLength(1);
    expect((lines[0].req as { url: string }).url).toBe(
      '/v1/catalog?access_token=[redacted]&page=2&token=[redacted]&api_key=[redacted]&Session%5Ftoken=[redacted]',
    );
    expect(JSON.stringify(lines)).not.toMatch(/sekrit/);
  });
});
