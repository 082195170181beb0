import type { IncomingMessage, ServerResponse } from 'node:http';
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

/**
 * One JSON line per request (pino-http) with the request id, method, URL, client address, status and
 * time. Never the headers: they carry bearer tokens and Stripe signatures; nor the values of
 * secret-looking query parameters (a client that puts a token in the URL). The request is serialised
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
        url: redactUrl(req.url),
        address: clientAddress(req),
        userAgent: req.headers['user-agent'],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    autoLogging: { ignore: (req) => req.url === '/health' || UNLOGGED.test(req.url ?? '') },
  });
}
