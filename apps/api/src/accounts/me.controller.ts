import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../auth/auth.decorators';
import { AccountsService } from './accounts.service';
import { CreatedTokenView, TokenView, UserView } from './dtos/account.responses';
import { ChangePasswordDto } from './dtos/change-password.dto';
import { CreateTokenDto } from './dtos/create-token.dto';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: 'The calling account' })
  @ApiResponse({ status: 200, type: UserView })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserView> {
    return this.accounts.me(user.id);
  }

  @Put('password')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change your password; your other login sessions end (personal tokens keep working)',
  })
  @ApiResponse({ status: 204, description: 'Changed' })
  @ApiResponse({ status: 400, description: 'currentPassword is wrong, or newPassword too short or too long' })
  async changePassword(@CurrentUser() user: AuthenticatedUser, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.accounts.changePassword(user.id, user.tokenId, dto.currentPassword, dto.newPassword);
  }

  @Post('tokens')
  @ApiOperation({ summary: 'Create a personal API token (for the CLI); the secret is returned once' })
  @ApiResponse({ status: 201, type: CreatedTokenView })
  createToken(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateTokenDto): Promise<CreatedTokenView> {
    return this.accounts.createPersonalToken(user.id, dto.name, dto.expiresInDays);
  }

  @Get('tokens')
  @ApiOperation({ summary: 'List personal API tokens (without secrets)' })
  @ApiResponse({ status: 200, type: [TokenView] })
  listTokens(@CurrentUser() user: AuthenticatedUser): Promise<TokenView[]> {
    return this.accounts.listPersonalTokens(user.id);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your tokens' })
  @ApiResponse({ status: 204, description: 'Revoked (it stops working at once)' })
  @ApiResponse({ status: 404, description: 'No such token of yours' })
  async revokeToken(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tokenId', new ParseUUIDPipe()) tokenId: string,
  ): Promise<void> {
    await this.accounts.revoke(user.id, tokenId);
  }
}
