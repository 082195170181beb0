import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthenticatedUser, CurrentUser, Owns, Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../admin/dtos/page-query.dto';
import { BundlePublishingService } from './bundle-publishing.service';
import { BundlesService } from './bundles.service';
import { BundleSummaryView, BundleView, PublishAcceptedView, PublishConflictView } from './dtos/bundle.responses';
import { CreateBundleDto } from './dtos/create-bundle.dto';
import { UpdateBundleDto } from './dtos/update-bundle.dto';
import { PublishBundleDto } from '../premieres/dtos/release-at.dto';
import { releaseAtOf } from '../premieres/release-at';

@ApiTags('bundles')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller('bundles')
export class BundlesController {
  constructor(
    private readonly bundles: BundlesService,
    private readonly publishing: BundlePublishingService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a draft bundle; its slug is made from the title (suffixed when taken)' })
  @ApiResponse({ status: 201, type: BundleView })
  @ApiResponse({
    status: 400,
    description: 'Invalid field, e.g. a piece length that is not a power of two in 16 KiB..16 MiB',
  })
  create(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateBundleDto): Promise<BundleView> {
    return this.bundles.create(user.id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Your bundles, newest first' })
  @ApiResponse({ status: 200, type: [BundleSummaryView] })
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: PageQueryDto): Promise<BundleSummaryView[]> {
    return this.bundles.listMine(user.id, q.page, q.perPage);
  }

  @Get(':id')
  @Owns('bundle', 'id')
  @ApiOperation({ summary: 'One of your bundles with its items and their ingest progress (%, bytes/s, ETA)' })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<BundleView> {
    return this.bundles.get(id);
  }

  @Patch(':id')
  @Owns('bundle', 'id')
  @ApiOperation({ summary: 'Change title or description (DRAFT only)' })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'The bundle is no longer a draft' })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateBundleDto): Promise<BundleView> {
    return this.bundles.update(id, dto);
  }

  @Delete(':id')
  @Owns('bundle', 'id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a draft bundle and every file stored for it (uploads included)' })
  @ApiResponse({ status: 204 })
  @ApiResponse({ status: 409, description: 'The bundle is no longer a draft' })
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.bundles.remove(id);
  }

  @Post(':id/publish')
  @Owns('bundle', 'id')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Queue the publish job (builds the torrents); every item must be READY. With releaseAt: a premiere (keys from then on)',
  })
  @ApiResponse({ status: 202, type: PublishAcceptedView })
  @ApiResponse({
    status: 409,
    type: PublishConflictView,
    description: 'Not a draft, no items, or items not READY (listed with their status)',
  })
  @ApiResponse({ status: 503, description: 'Redis (job queue) unreachable: nothing changed, retry later' })
  async publish(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: PublishBundleDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PublishAcceptedView | PublishConflictView> {
    const result = await this.publishing.publish(id, releaseAtOf(dto.releaseAt));
    if ('items' in result) res.status(409);
    return result;
  }

  @Post(':id/unlist')
  @Owns('bundle', 'id')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Take a published bundle out of the catalog listing (PUBLISHED → UNLISTED; idempotent); its page and torrent stay reachable by slug',
  })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'The bundle is not PUBLISHED' })
  async unlist(@Param('id', new ParseUUIDPipe()) id: string): Promise<BundleView> {
    await this.publishing.unlist(id);
    return this.bundles.get(id);
  }

  @Post(':id/relist')
  @Owns('bundle', 'id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put an unlisted bundle back in the catalog (UNLISTED → PUBLISHED; idempotent)' })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'The bundle is not UNLISTED' })
  async relist(@Param('id', new ParseUUIDPipe()) id: string): Promise<BundleView> {
    await this.publishing.relist(id);
    return this.bundles.get(id);
  }
}
