import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { FastHandler, FastRoute } from '../common/fast-path';
import { TrackerService } from './tracker.service';

/**
 * HTTP announces and scrapes (`GET /announce`, `GET /scrape`) ahead of Express (docs/architecture.md,
 * fast path): TrackerController's own call, TrackerService.handleHttp, with the client address
 * Express would give it. Left to Express: other methods, any other path spelling, requests with a
 * body (Express's JSON parser would read it) or an Authorization header (the guard would look the
 * token up even on this public route).
 */
@Injectable()
export class TrackerFastRoute implements FastRoute {
  constructor(private readonly tracker: TrackerService) {}

  match(req: IncomingMessage): FastHandler | null {
    if (req.method !== 'GET') return null;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const action = path === '/announce' ? 'announce' : path === '/scrape' ? 'scrape' : null;
    if (!action) return null;
    const { headers } = req;
    if (headers.authorization !== undefined || headers['transfer-encoding'] !== undefined) return null;
    if (headers['content-length'] !== undefined && headers['content-length'] !== '0') return null;
    return (exchange) => this.tracker.handleHttp(exchange.req, exchange.res, action, exchange.address);
  }
}
