import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Owns } from '../auth/auth.decorators';
import { LicenseView } from './dtos/license.responses';
import { LicensesService } from './licenses.service';

@ApiTags('licenses')
@ApiBearerAuth()
@Controller('licenses')
export class LicensesController {
  constructor(private readonly licenses: LicensesService) {}

  @Get()
  @ApiOperation({ summary: 'Your licenses with their bundle (slug, title) and status' })
  @ApiResponse({ status: 200, type: [LicenseView] })
  list(@CurrentUser() user: AuthenticatedUser): Promise<LicenseView[]> {
    return this.licenses.licensesOf(user.id);
  }

  @Get(':id')
  @Owns('license', 'id')
  @ApiOperation({ summary: 'One of your licenses (admins: any)' })
  @ApiResponse({ status: 200, type: LicenseView })
  @ApiResponse({ status: 403, description: "Another account's license" })
  @ApiResponse({ status: 404, description: 'No such license' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<LicenseView> {
    return this.licenses.license(id);
  }
}
