import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request, type Server } from 'node:http';
import { WARM_UP_HEADER, WARM_UP_MARK } from '../common/access-log';

/** Requests the API sends itself once it listens: enough for V8 to optimise the route's HTTP path. */
const ROUTE_ROUNDS = 256;
/** Over this many connections at once (the accept and connection set-up run this many times). */
const ROUTE_CONNECTIONS = 32;

/**
 * Readies the HTTP half of the key route once the API listens (KeyPathWarmup readies the rest
 * before; docs/architecture.md, the release minute): at a premiere's release hundreds of buyers'
 * connections and first requests arrive in the first second, and code V8 has not optimised yet —
 * accepting connections, Node's HTTP parser, the fast path, the body, the bearer token and its
 * batched lookup, the error answer — made the first quarter second the slowest of the minute
 * (BENCHMARKS.md, premiere, session 9). It sends the route ROUTE_ROUNDS requests over
 * ROUTE_CONNECTIONS connections to its own address, each with a random bearer token that no row
 * matches: every one is answered 401 before any license, rate limit or audit row is touched. They
 * carry this process's warm-up mark, so the access log leaves them out. The API's entry point runs
 * it once it listens (main.ts; tests that build the app do not). A failure is logged and changes
 * nothing else; the answers' statuses are returned.
 */
@Injectable()
export class KeyRouteWarmup {
  private readonly logger = new Logger('keys');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async warmUp(): Promise<{ statuses: Record<number, number>; failed: number }> {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new Error('the key route warm-up needs the API listening on TCP');
    const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
    const started = Date.now();
    const agent = new Agent({ keepAlive: true, maxSockets: ROUTE_CONNECTIONS });
    const statuses: Record<number, number> = {};
    try {
      const answers = await Promise.allSettled(
        Array.from({ length: ROUTE_ROUNDS }, () => ask(agent, host, address.port)),
      );
      for (const a of answers) if (a.status === 'fulfilled') statuses[a.value] = (statuses[a.value] ?? 0) + 1;
      const failed = answers.filter((a) => a.status === 'rejected').length;
      const event = { event: 'keys.route_warm_up', ms: Date.now() - started, statuses, failed };
      if (failed > 0 || statuses[401] !== ROUTE_ROUNDS) this.logger.warn(event);
      else this.logger.log(event);
      return { statuses, failed };
    } finally {
      agent.destroy();
    }
  }
}

/** One key request with a token no row matches; resolves with the answer's status. */
function ask(agent: Agent, host: string, port: number): Promise<number> {
  const body = JSON.stringify({ deviceId: randomUUID() });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host,
        port,
        method: 'POST',
        path: `/v1/licenses/${randomUUID()}/keys`,
        headers: {
          authorization: `Bearer ${randomBytes(32).toString('base64url')}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [WARM_UP_HEADER]: WARM_UP_MARK,
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
