import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { Logger } from 'pino';
import pinoHttp, { HttpLogger } from 'pino-http';
import { clientAddress, requestId } from './request-context';

/** BitTorrent routes (webseed, tracker) see a request per piece/announce: not logged one by one. */
const UNLOGGED = /^\/(webseed\/|announce|scrape)/;

/**
 * One JSON line per request (pino-http) with the request id, method, URL, client address, status and
 * time. Never the headers: they carry bearer tokens and Stripe signatures. The request is serialised
 * by hand (no wrapping): pino-http binds it to a child logger on every request, logged or not.
 */
export function accessLog(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id?: unknown; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        address: clientAddress(req),
        userAgent: req.headers['user-agent'],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    autoLogging: { ignore: (req) => req.url === '/health' || UNLOGGED.test(req.url ?? '') },
  });
}
