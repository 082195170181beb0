import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { SetCreatorFeeDto } from './dtos/payouts.dto';
import { CreatorFeeChangeView } from './dtos/payouts.responses';
import { CreatorFeesService } from './creator-fees.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/creators/:id')
export class AdminCreatorFeesController {
  constructor(private readonly fees: CreatorFeesService) {}

  @Put('fee')
  @ApiOperation({ summary: "Override the platform's fee on one creator's sales (audited, kept in the fee history)" })
  @ApiResponse({ status: 200, type: CreatorFeeChangeView })
  @ApiResponse({ status: 400, description: 'percent outside 0–100 or with more than two decimals' })
  @ApiResponse({ status: 403, description: 'Not an admin' })
  @ApiResponse({ status: 404, description: 'No such creator' })
  setFee(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: SetCreatorFeeDto,
  ): Promise<CreatorFeeChangeView> {
    return this.fees.set(admin.id, id, dto.percent);
  }

  @Get('fees')
  @ApiOperation({ summary: "History of a creator's fee overrides, newest first" })
  @ApiResponse({ status: 200, type: [CreatorFeeChangeView] })
  @ApiResponse({ status: 404, description: 'No such creator' })
  history(@Param('id', new ParseUUIDPipe()) id: string): Promise<CreatorFeeChangeView[]> {
    return this.fees.history(id);
  }
}
