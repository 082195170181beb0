import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import pino, { Logger } from 'pino';
import pinoHttp, { HttpLogger } from 'pino-http';
import { clientAddress, requestId } from './request-context';

/** Query parameters whose values are credentials: logged as `[redacted]`. */
const SECRET_PARAM = /(^|[_-])(token|secret|password|passwd|key|signature|sig)$/i;

/** The URL with the values of secret-looking query parameters (`access_token`, `token`, …) replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  const q = url?.indexOf('?') ?? -1;
  if (!url || q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is kept as sent
      }
      return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** BitTorrent routes (webseed, tracker) see a request per piece/announce: not logged one by one. */
const UNLOGGED = /^\/(webseed\/|announce|scrape)/;

const PIPED_BYTES = Symbol('pipedBytes');
type LoggedResponse = ServerResponse & { [PIPED_BYTES]?: number };

/** 'pipe' listener of a logged response: counts the body bytes a streamed answer handed to it. */
function countPipedBytes(this: LoggedResponse, source: Readable): void {
  this[PIPED_BYTES] = 0;
  source.on('data', (chunk: Buffer | string) => {
    this[PIPED_BYTES]! += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });
}

/**
 * Whether the whole answer went out. pino-http's own test also wants the request read to its end
 * (no GET handler reads it) and `res.end()` called; but a client that has the Content-Length bytes
 * of a streamed answer (a .torrent) may close the connection before the pipe gets to call `end()`.
 * Nothing was lost then, so a streamed answer that handed over all its declared bytes is complete.
 */
export function responseOutcome(res: LoggedResponse): 'request completed' | 'request aborted' {
  if (res.writableEnded) return 'request completed';
  const declared = Number(res.getHeader('content-length'));
  const piped = res[PIPED_BYTES];
  return piped !== undefined && Number.isFinite(declared) && piped >= declared
    ? 'request completed'
    : 'request aborted';
}

/**
 * One JSON line per request (pino-http) with the request id, method, URL, client address, status and
 * time. Never the headers: they carry bearer tokens and Stripe signatures; nor the values of
 * secret-looking query parameters (a client that puts a token in the URL). The request is serialised
 * by hand (no wrapping): pino-http binds it to a child logger on every request, logged or not.
 */
export function accessLog(logger: Logger): HttpLogger {
  const log = pinoHttp({
    logger,
    genReqId: requestId,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id?: unknown; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        address: clientAddress(req),
        userAgent: req.headers['user-agent'],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    customSuccessMessage: (_req, res) => responseOutcome(res),
    autoLogging: { ignore: isUnlogged },
  });
  const middleware = (req: IncomingMessage, res: ServerResponse, next?: () => void): void => {
    if (!isUnlogged(req)) res.once('pipe', countPipedBytes);
    log(req, res, next);
  };
  return Object.assign(middleware, { logger: log.logger });
}

/**
 * The header, and this process's secret value for it, that mark the API's own warm-up requests to
 * itself at boot (keys/key-route-warmup.ts): no access-log line for them. Random per process, so no
 * client can hide its requests from the log with it.
 */
export const WARM_UP_HEADER = 'x-keyseed-warm-up';
export const WARM_UP_MARK = randomBytes(16).toString('hex');

/** Health probes, BitTorrent routes and the API's own warm-up requests: no access-log line. */
export function isUnlogged(req: IncomingMessage): boolean {
  return req.url === '/health' || UNLOGGED.test(req.url ?? '') || req.headers[WARM_UP_HEADER] === WARM_UP_MARK;
}
