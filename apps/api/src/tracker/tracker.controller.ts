import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { clientAddress } from '../common/request-context';
import { TrackerService } from './tracker.service';

/** HTTP tracker (BEP 3, compact peers per BEP 23, scrape per BEP 48). Answers are always bencoded. */
@ApiTags('bittorrent')
@Controller()
export class TrackerController {
  constructor(private readonly tracker: TrackerService) {}

  @Public()
  @Get('announce')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'BitTorrent announce for published bundles (HTTP; WebSocket upgrade on the same path for browser peers)',
  })
  @ApiResponse({ status: 200, description: 'Bencoded peers, or a bencoded failure reason', type: String })
  announce(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.tracker.handleHttp(req, res, 'announce', clientAddress(req));
  }

  @Public()
  @Get('scrape')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'BitTorrent scrape: seeders/leechers for the given info_hash values' })
  @ApiResponse({ status: 200, description: 'Bencoded swarm counts per info_hash', type: String })
  scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.tracker.handleHttp(req, res, 'scrape', clientAddress(req));
  }
}
