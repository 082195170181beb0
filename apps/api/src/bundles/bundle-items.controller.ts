import { Body, Controller, Delete, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Owns, Roles } from '../auth/auth.decorators';
import { BundleItemsService } from './bundle-items.service';
import { BundleView, ItemView } from './dtos/bundle.responses';
import { AddItemsDto, ReorderItemsDto, UpdateItemDto } from './dtos/item.dtos';

@ApiTags('bundles')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller('bundles/:id/items')
export class BundleItemsController {
  constructor(private readonly items: BundleItemsService) {}

  @Post()
  @Owns('bundle', 'id')
  @ApiOperation({ summary: 'Declare items (files) of a draft bundle; upload each afterwards through /v1/uploads' })
  @ApiResponse({ status: 201, type: BundleView })
  @ApiResponse({ status: 400, description: 'Unsafe or colliding path (the message names the field)' })
  @ApiResponse({ status: 409, description: 'The bundle is no longer a draft' })
  add(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: AddItemsDto): Promise<BundleView> {
    return this.items.add(id, dto.items);
  }

  @Put('order')
  @Owns('bundle', 'id')
  @ApiOperation({ summary: 'Reorder the items of a draft bundle (list every item id once)' })
  @ApiResponse({ status: 200, type: BundleView })
  reorder(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: ReorderItemsDto): Promise<BundleView> {
    return this.items.reorder(id, dto.itemIds);
  }

  @Patch(':itemId')
  @Owns('bundle', 'id')
  @ApiOperation({
    summary: 'Rename an item, lock/unlock it (before its upload completes) or set its preview pieces (DRAFT only)',
  })
  @ApiResponse({ status: 200, type: ItemView })
  @ApiResponse({ status: 404, description: 'No such item in this bundle' })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('itemId', new ParseUUIDPipe()) itemId: string,
    @Body() dto: UpdateItemDto,
  ): Promise<ItemView> {
    return this.items.update(id, itemId, dto);
  }

  @Delete(':itemId')
  @Owns('bundle', 'id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an item from a draft bundle' })
  @ApiResponse({ status: 204 })
  async remove(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('itemId', new ParseUUIDPipe()) itemId: string,
  ): Promise<void> {
    await this.items.remove(id, itemId);
  }
}
