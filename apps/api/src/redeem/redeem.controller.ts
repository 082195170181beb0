import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { RedeemDto } from './dtos/redeem.dto';
import { RedeemedView } from './dtos/redeem.responses';
import { RedeemService } from './redeem.service';

@ApiTags('codes')
@ApiBearerAuth()
@Controller('redeem')
export class RedeemController {
  constructor(private readonly redeem: RedeemService) {}

  @Post()
  @HttpCode(200)
  @Roles('BUYER')
  // Codes are unguessable; the per-address budget of logins (AUTH_REQUESTS_PER_MINUTE) keeps it so.
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: 'Redeem a code, or claim a gift, into your account: one license of the bundle, once per code',
  })
  @ApiResponse({ status: 200, type: RedeemedView })
  @ApiResponse({ status: 400, description: 'code missing or malformed' })
  @ApiResponse({ status: 404, description: 'No such code or gift' })
  @ApiResponse({
    status: 409,
    description:
      'Used already, gift not paid yet, you hold a license for the bundle already, or the bundle is not available',
  })
  @ApiResponse({ status: 410, description: 'Revoked by the creator, or the gift was refunded' })
  @ApiResponse({ status: 429, description: 'Too many attempts from this address; wait a minute' })
  redeemCode(@CurrentUser() user: AuthenticatedUser, @Body() dto: RedeemDto): Promise<RedeemedView> {
    return this.redeem.redeem(user, dto.code);
  }
}
