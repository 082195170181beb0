import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { collectLogLines } from '../../../../test/helpers/log-lines';
import { accessLog } from './access-log';
import { logAccess } from './fast-path';

/** What two access-log lines of the same request must share (time, pid, hostname and timing differ). */
function comparable(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _t, pid: _p, hostname: _h, responseTime, ...rest } = line;
  expect(typeof responseTime).toBe('number');
  const err = rest.err as { message?: string } | undefined;
  return { ...rest, ...(err ? { err: err.message } : {}) };
}

describe('fast-path access log', () => {
  let servers: Server[];
  let lines: { express: Record<string, unknown>[]; fast: Record<string, unknown>[] };

  async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeEach(() => {
    servers = [];
    lines = { express: [], fast: [] };
  });
  afterEach(() => servers.forEach((s) => s.close()));

  it.each([200, 429, 503])('writes the line pino-http writes for the other routes (status %i)', async (status) => {
    const pinoHttp = accessLog(pino({ level: 'info' }, collectLogLines(lines.express)));
    const fastLogger = pino({ level: 'info' }, collectLogLines(lines.fast));
    const answer = (res: ServerResponse) => res.writeHead(status).end('{}');
    const viaPinoHttp = await listen((req, res) => pinoHttp(req, res, () => answer(res)));
    const viaFastPath = await listen((req, res) => {
      const at = { id: 'req-1', address: req.socket.remoteAddress ?? '', started: Date.now() };
      res.once('finish', () => logAccess(fastLogger, req, res, at));
      answer(res);
    });
    const path = `/v1/licenses/${'0'.repeat(36)}/keys?access_token=secret`;
    for (const base of [viaPinoHttp, viaFastPath]) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'x-request-id': 'req-1', 'user-agent': 'keyseed-test' },
      });
      await res.text();
    }
    await new Promise((done) => setImmediate(done));
    expect(lines.fast).toHaveLength(1);
    expect(comparable(lines.fast[0])).toEqual(comparable(lines.express[0]));
    expect(JSON.stringify(lines.fast[0])).not.toContain('secret');
  });
});
