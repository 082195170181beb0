import { Logger as NestLogger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { isUnlogged, redactUrl, responseOutcome } from './access-log';
import { errorBody, reportHttpError } from './http-exception.filter';
import { requestId } from './request-context';
import { securityHeaders } from './security-headers';

/** A request taken by the fast path, with what Express's middlewares would have given its route. */
export interface FastExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The client's address, as Express's `req.ip` gives it (same trust-proxy setting). */
  address: string;
  /** Answers JSON exactly as Express's `res.json` does (Content-Type, Content-Length, ETag). */
  json(status: number, body: unknown): void;
}

export type FastHandler = (exchange: FastExchange) => Promise<void>;

export interface FastRoute {
  /**
   * The handler of this request, or null to leave it to Express. Decided from the method, URL and
   * headers alone, before anything is read or written: a request left to Express is untouched.
   */
  match(req: IncomingMessage): FastHandler | null;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts a plain node:http handler in front of Express for the hot routes (docs/architecture.md, fast
 * path). A route that matches is answered with what the Express stack would have added around it:
 * the request id, helmet's headers, the client address behind trusted proxies, the access-log line
 * (same fields as pino-http's), errors as `{statusCode, error, message}` through `errorBody` and
 * logged as the exception filter logs them. Everything else goes to Express as before.
 */
export function installFastPath(app: NestExpressApplication, routes: FastRoute[], logger: Logger): void {
  const server: Server = app.getHttpServer();
  const express: Express = app.getHttpAdapter().getInstance();
  const trust = express.get('trust proxy fn') as (addr: string, i: number) => boolean;
  const etag = express.get('etag fn') as (body: string, encoding: BufferEncoding) => string;
  const headers = securityHeaders();
  const errors = new NestLogger('http');
  const fallback = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');

  const serve = (handler: FastHandler, req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const id = requestId(req, res);
    for (const [name, value] of headers) res.setHeader(name, value);
    const address = proxyaddr(req, trust);
    if (!isUnlogged(req) && logger.isLevelEnabled('info')) {
      const done = () => {
        res.off('finish', done);
        res.off('close', done);
        logAccess(logger, req, res, { id, address, started });
      };
      res.on('finish', done);
      res.on('close', done);
    }
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(text));
      res.setHeader('ETag', etag(text, 'utf8'));
      res.end(text);
    };
    handler({ req, res, address, json }).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      const body = errorBody(err);
      reportHttpError(errors, err, body.statusCode);
      json(body.statusCode, body);
    });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    for (const route of routes) {
      const handler = route.match(req);
      if (handler) return serve(handler, req, res);
    }
    for (const listener of fallback) listener.call(server, req, res);
  });
}

/** The access-log line of a fast-path request: the fields and messages pino-http writes for the others. */
export function logAccess(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  at: { id: string; address: string; started: number },
): void {
  const line = {
    req: {
      id: at.id,
      method: req.method,
      url: redactUrl(req.url),
      address: at.address,
      userAgent: req.headers['user-agent'],
    },
    res: { statusCode: res.statusCode },
    responseTime: Date.now() - at.started,
  };
  if (res.statusCode >= 500)
    logger.info({ ...line, err: new Error(`failed with status code ${res.statusCode}`) }, 'request errored');
  else logger.info(line, responseOutcome(res));
}
