import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import helmet from 'helmet';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { createLogger, PinoNestLogger } from '@keyseed/logging';
import { AppModule } from './app.module';
import { errorBody, HttpExceptionFilter } from './common/http-exception.filter';
import { accessLog } from './common/access-log';
import { installFastPath } from './common/fast-path';
import { keepRawUtf8Body, refuseNul } from './common/json-body';
import { HELMET_OPTIONS } from './common/security-headers';
import { setupOpenApi } from './common/openapi';
import { createValidationPipe } from './common/validation';
import { KeyDeliveryFastRoute } from './keys/key-delivery.fast-route';
import { TrackerFastRoute } from './tracker/tracker.fast-route';
import { mountWebApp } from './web-app/mount-web-app';

/** Routes that live outside /v1 because clients expect fixed paths (BitTorrent, probes). */
export const UNVERSIONED_ROUTES = [
  { path: 'health', method: RequestMethod.ALL },
  { path: 'announce', method: RequestMethod.ALL },
  { path: 'scrape', method: RequestMethod.ALL },
  { path: 'webseed/*path', method: RequestMethod.ALL },
  { path: 'metrics', method: RequestMethod.GET },
];

/**
 * How long an idle keep-alive connection is kept (Node's default is 5 s). A client reusing a
 * connection at the moment the server closes it gets ECONNRESET: this must outlast the idle time of
 * the clients and proxies in front (60 s for nginx's upstream keepalive_timeout and most load
 * balancers), so that they, not the API, close idle connections (docs/operations.md, scaling).
 * Headers must be allowed a little longer than that (the usual Node advice).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;

/** Builds the HTTP app exactly as production runs it; tests call this too. */
export async function createApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  const config = app.get<KeyseedConfig>(KEYSEED_CONFIG);
  const logger = createLogger(config.LOG_LEVEL, 'api');
  app.useLogger(new PinoNestLogger(logger));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(accessLog(logger));
  app.use(helmet(HELMET_OPTIONS));
  // PostgreSQL text cannot hold NUL: refuse it at the edge (400) instead of failing in a query (500).
  // Only under /v1: tracker announces carry binary info-hashes (%00 is legitimate there) and the
  // webseed validates its own path components.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.url.startsWith('/v1/') && req.url.includes('%00')) {
      res
        .status(400)
        .json({ statusCode: 400, error: 'Bad Request', message: 'NUL characters are not allowed in URLs' });
    } else next();
  });
  // Not strict: a JSON null, string or number body reaches the validation pipe, which says it must be an object.
  app.use(express.json({ limit: config.BODY_LIMIT, strict: false, verify: keepRawUtf8Body, reviver: refuseNul }));
  // Body-parser failures (malformed JSON, too large) become the same JSON errors as the rest.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const body = errorBody(err);
    res.status(body.statusCode).json(body);
  });

  app.setGlobalPrefix('v1', { exclude: UNVERSIONED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  setupOpenApi(app, config);
  await app.init();
  // The web app (after every API route, so none of them is shadowed): /, /b/<slug>, /library, …
  mountWebApp(app, config.WEB_DIR, logger);
  // After every route: paths outside /v1 that nothing handled get the same JSON 404.
  app.use((req: Request, res: Response) => {
    res.status(404).json({ statusCode: 404, error: 'Not Found', message: `Cannot ${req.method} ${req.path}` });
  });
  // Key delivery and the tracker answered ahead of Express, with the same contracts (docs/architecture.md).
  installFastPath(app, [app.get(KeyDeliveryFastRoute), app.get(TrackerFastRoute)], logger);
  const server: Server = app.getHttpServer();
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return app;
}
