import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { cacheControlFor, isAppPage, WEB_APP_CSP } from './web-app-routes';

/**
 * Serves the built web app (`npm run build` → WEB_DIR, default dist/web) at `/`: its files with
 * cache headers that fit them, index.html for every page path (the client-side router takes over),
 * and the app's Content-Security-Policy. Mounted after the API's routes, so /v1 answers are untouched.
 */
export function mountWebApp(app: NestExpressApplication, webDir: string, logger: Logger): void {
  const root = path.resolve(webDir);
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ event: 'web_app.missing', dir: root }, 'web app not built: run `npm run build` to serve it at /');
    return;
  }
  const setHeaders = (res: Response, filePath: string) => {
    res.setHeader('Content-Security-Policy', WEB_APP_CSP);
    res.setHeader('Cache-Control', cacheControlFor(`/${path.relative(root, filePath).split(path.sep).join('/')}`));
  };
  app.use(
    express.static(root, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      fallthrough: true,
      setHeaders,
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isAppPage(req.path)) return next();
    setHeaders(res, index);
    res.sendFile(index, (err) => {
      if (err) next(err);
    });
  });
}
