import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { bundleView } from '../bundles/bundle-view';
import { BundleView } from '../bundles/dtos/bundle.responses';
import { TakedownDto } from './dtos/takedown.dto';
import { ModerationService } from './moderation.service';

/** Moderation: a taken-down bundle disappears from the catalog (404) for everyone but its creator and admins. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/bundles')
export class AdminBundlesController {
  constructor(private readonly moderation: ModerationService) {}

  @Post(':id/takedown')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take a bundle down (audited, with the reason)' })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'Already taken down' })
  async takedown(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: TakedownDto,
  ): Promise<BundleView> {
    return bundleView(await this.moderation.takedown(admin.id, id, dto.reason));
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Undo a takedown: the bundle returns to the status it had (a publish cut short goes back to DRAFT)',
  })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'Not taken down' })
  async restore(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<BundleView> {
    return bundleView(await this.moderation.restore(admin.id, id));
  }
}
