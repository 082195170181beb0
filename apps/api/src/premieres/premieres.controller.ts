import { Body, Controller, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Owns, Roles } from '../auth/auth.decorators';
import { BundleView } from '../bundles/dtos/bundle.responses';
import { SetReleaseDto } from './dtos/release-at.dto';
import { PremieresService } from './premieres.service';
import { releaseAtOf } from './release-at';

@ApiTags('bundles')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller('bundles')
export class PremieresController {
  constructor(private readonly premieres: PremieresService) {}

  @Put(':id/release')
  @Owns('bundle', 'id')
  @ApiOperation({
    summary:
      "Set, move or clear a premiere's release time (creator or admin; audited). Before it, licenses are sold but their keys are withheld (425)",
  })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 400, description: 'Not an ISO 8601 instant with a zone, or more than 5 years ahead' })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  @ApiResponse({ status: 409, description: 'The bundle is taken down' })
  setRelease(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: SetReleaseDto,
  ): Promise<BundleView> {
    return this.premieres.setRelease(id, releaseAtOf(dto.releaseAt), user.id);
  }
}
