import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthenticatedUser, CurrentUser, Public } from '../auth/auth.decorators';
import { CatalogService } from './catalog.service';
import { CatalogQueryDto } from './dtos/catalog-query.dto';
import { CatalogBundleView, CatalogSummaryView } from './dtos/catalog.responses';
import { TorrentQueryDto } from './dtos/torrent-query.dto';

@ApiTags('catalog')
@Public()
@Controller('catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOperation({ summary: 'Published bundles, newest first; `q` searches titles' })
  @ApiResponse({ status: 200, type: [CatalogSummaryView] })
  list(@Query() q: CatalogQueryDto): Promise<CatalogSummaryView[]> {
    return this.catalog.list(q.page, q.perPage, q.q);
  }

  @Get(':slug')
  @ApiOperation({
    summary: "A bundle's page: items, price, magnet, info-hashes, torrent links, swarm counts",
    description:
      'Drafts, bundles being published and taken-down bundles are 404 except to their creator and admins (send a bearer token).',
  })
  @ApiResponse({ status: 200, type: CatalogBundleView })
  @ApiResponse({ status: 404, description: 'No such bundle, or not visible to you' })
  get(@Param('slug') slug: string, @CurrentUser() viewer?: AuthenticatedUser): Promise<CatalogBundleView> {
    return this.catalog.get(slug, viewer);
  }

  @Get(':slug/torrent')
  @ApiOperation({
    summary:
      'The hybrid v1+v2 .torrent (libtorrent-based clients); `?format=v1` for the v1-only one (Transmission ≤ 3, aria2 ≤ 1.36)',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['hybrid', 'v1'] })
  @ApiProduces('application/x-bittorrent')
  @ApiResponse({ status: 200, description: 'The .torrent file', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 404, description: 'Not published or not visible to you' })
  torrent(
    @Param('slug') slug: string,
    @Query() q: TorrentQueryDto,
    @Res({ passthrough: true }) res: Response,
    @CurrentUser() viewer?: AuthenticatedUser,
  ): Promise<StreamableFile> {
    return this.send(slug, q.format ?? 'hybrid', res, viewer);
  }

  @Get(':slug/torrent/v1')
  @ApiOperation({ summary: 'The v1-only .torrent (same as `/torrent?format=v1`)' })
  @ApiProduces('application/x-bittorrent')
  @ApiResponse({ status: 200, description: 'The .torrent file', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 404, description: 'Not published or not visible to you' })
  torrentV1(
    @Param('slug') slug: string,
    @Res({ passthrough: true }) res: Response,
    @CurrentUser() viewer?: AuthenticatedUser,
  ): Promise<StreamableFile> {
    return this.send(slug, 'v1', res, viewer);
  }

  private async send(
    slug: string,
    format: 'hybrid' | 'v1',
    res: Response,
    viewer?: AuthenticatedUser,
  ): Promise<StreamableFile> {
    const file = await this.catalog.torrent(slug, viewer, format);
    res.setHeader('Cache-Control', 'no-cache');
    return new StreamableFile(file.body, {
      type: 'application/x-bittorrent',
      length: file.size,
      disposition: `attachment; filename="${file.filename}"`,
    });
  }
}
