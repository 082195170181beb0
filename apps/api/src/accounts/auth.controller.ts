import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedUser, CurrentUser, Public } from '../auth/auth.decorators';
import { AccountsService } from './accounts.service';
import { LoginDto } from './dtos/login.dto';
import { RegisterDto } from './dtos/register.dto';
import { SessionView } from './dtos/account.responses';

@ApiTags('accounts')
@Controller('auth')
@UseGuards(ThrottlerGuard)
export class AuthController {
  constructor(private readonly accounts: AccountsService) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Create an account (creator and/or buyer) and open a session' })
  @ApiResponse({ status: 201, type: SessionView })
  @ApiResponse({ status: 409, description: 'Email already registered' })
  register(@Body() dto: RegisterDto): Promise<SessionView> {
    return this.accounts.register(dto);
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email + password for a session token' })
  @ApiResponse({ status: 200, type: SessionView })
  @ApiResponse({ status: 401, description: 'Wrong email or password' })
  login(@Body() dto: LoginDto): Promise<SessionView> {
    return this.accounts.login(dto.email, dto.password);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke the token used for this request' })
  @ApiResponse({ status: 204, description: 'Logged out' })
  async logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.accounts.revoke(user.id, user.tokenId);
  }
}
