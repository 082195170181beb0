import { Controller, Get, Logger, Options, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { Public } from '../auth/auth.decorators';
import { clientAddress } from '../common/request-context';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { OriginMetrics } from '../egress/origin-metrics';
import { decideResponse } from './http-range';
import { sendRange } from './send-range';
import { SwarmAwareWebseed } from './swarm-aware-webseed';
import { parseWebseedTarget, WebseedPathError } from './webseed-path';
import { WebseedService } from './webseed.service';

const CORS_EXPOSED = 'Accept-Ranges, Content-Length, Content-Range, ETag, Last-Modified';

/**
 * BEP 19 webseed: `GET|HEAD /webseed/<slug>/<path inside the torrent>` with single byte ranges,
 * `.pad/<N>` pad files and conditional requests. Express routes HEAD to this GET handler. With
 * WEBSEED_POLICY=swarm a client whose swarm can serve a file may be answered 503 + Retry-After at its
 * first request for it (BEP 19's way to say "use your peers"; see SwarmAwareWebseed). Body bytes sent are counted per bundle.
 */
@ApiExcludeController()
@Controller('webseed')
export class WebseedController {
  private readonly logger = new Logger('webseed');

  constructor(
    private readonly webseed: WebseedService,
    private readonly policy: SwarmAwareWebseed,
    private readonly egress: EgressRecorder,
    private readonly metrics: OriginMetrics,
  ) {}

  @Public()
  @Options('*path')
  preflight(@Res() res: Response): void {
    res
      .status(204)
      .set({
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match, If-Modified-Since',
        'Access-Control-Max-Age': '86400',
      })
      .end();
  }

  @Public()
  @Get('*path')
  async serve(@Req() req: Request, @Res() res: Response): Promise<void> {
    let target;
    try {
      target = parseWebseedTarget(req.originalUrl);
    } catch (err) {
      if (err instanceof WebseedPathError) return fail(res, err.status, err.message);
      throw err;
    }
    const file = await this.webseed.resolve(target);
    if (!file) return fail(res, 404, 'no such file in a published bundle');

    const h = req.headers;
    const decision = decideResponse(file, {
      method: req.method,
      range: h.range,
      ifRange: req.get('if-range'),
      ifNoneMatch: h['if-none-match'],
      ifModifiedSince: h['if-modified-since'],
    });
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', file.etag);
    res.setHeader('Last-Modified', file.lastModified.toUTCString());
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED);

    if (decision.status === 304) {
      res.status(304).end();
      return;
    }
    if (decision.status === 416) {
      res.status(416).setHeader('Content-Range', `bytes */${file.size}`);
      return fail(res, 416, `range not satisfiable: the file has ${file.size} bytes`);
    }
    const [start, end] = decision.status === 206 ? [decision.start, decision.end] : [0, file.size - 1];
    // Browsers (the web app's Watch and Download) have no BitTorrent peers to be sent to, and never
    // announce, so the policy would only make them wait for an announce that cannot come: they are
    // served. They say what they are with Fetch Metadata (Sec-Fetch-Mode), which BitTorrent clients
    // do not send; one that forges it gains nothing but being served, as a lone client would be.
    if (req.method !== 'HEAD' && file.inSwarm && target.kind === 'file' && !h['sec-fetch-mode']) {
      const client = clientAddress(req);
      const retryAfter = await this.policy.retryAfter(file.bundle, target.relPath, client);
      if (retryAfter !== null) {
        this.metrics.webseedResponses.inc({ outcome: 'refused' });
        res.setHeader('Retry-After', String(retryAfter));
        res.setHeader('Cache-Control', 'no-store');
        return fail(res, 503, `your swarm has this file: get it from your peers, or ask again in ${retryAfter} s`);
      }
      void this.policy.serving(file.bundle, target.relPath, client, start, end);
    }
    res.status(decision.status);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(end - start + 1));
    if (decision.status === 206) res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    this.metrics.webseedResponses.inc({ outcome: 'served' });
    const bundleId = file.bundle.id;
    const onSent = (bytes: number) => {
      this.egress.add(bundleId, 'WEBSEED', bytes);
      this.metrics.webseedBytes.inc({ bundle: bundleId }, bytes);
    };
    try {
      await sendRange(res, file, start, end, onSent);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A client closing the connection mid-body is routine for torrent clients.
      if (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'ECONNRESET' && code !== 'EPIPE') {
        this.logger.error(`webseed.read_failed ${target.slug}: ${(err as Error).message}`);
      }
      res.destroy();
    }
  }
}

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
}
