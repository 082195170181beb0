import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Res,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { AuthenticatedUser, CurrentUser, Owns, Public, Roles } from '../auth/auth.decorators';
import {
  EmailGateView,
  GateConfirmDto,
  GateConfirmView,
  GateSignupDto,
  GateSignupView,
  SetEmailGateDto,
} from './dtos/email-gate.dtos';
import { EmailGateService } from './email-gate.service';
import { FansExport } from './fans-export';

@ApiTags('email gate')
@Controller()
export class EmailGateController {
  constructor(
    private readonly gate: EmailGateService,
    private readonly fans: FansExport,
  ) {}

  @Public()
  @Get('bundles/:id/email-gate')
  @ApiOperation({
    summary:
      "A bundle's email gate: which locked items a confirmed e-mail address unlocks (published bundles for anyone; the creator and admins also see drafts and the fan count)",
  })
  @ApiResponse({ status: 200, type: EmailGateView })
  @ApiResponse({ status: 404, description: 'No such bundle, or not visible to you' })
  view(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() caller?: AuthenticatedUser,
  ): Promise<EmailGateView> {
    return this.gate.view(id, caller);
  }

  @Put('bundles/:id/email-gate')
  @ApiBearerAuth()
  @Roles('CREATOR')
  @Owns('bundle', 'id')
  @ApiOperation({
    summary:
      'Turn the email gate on (every locked item, or the listed ones) or off; the bundle creator or an admin. Changes who gets keys, not the torrent',
  })
  @ApiResponse({ status: 200, type: EmailGateView })
  @ApiResponse({ status: 400, description: 'An item that is not a locked item of this bundle, or nothing to gate' })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  @ApiResponse({ status: 409, description: 'The bundle is taken down' })
  set(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: SetEmailGateDto): Promise<EmailGateView> {
    return this.gate.set(id, dto);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('bundles/:id/email-gate/signups')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Give an e-mail address to unlock an email-gated bundle: a confirmation link (double opt-in) is e-mailed to it. No account needed; rate-limited per address',
  })
  @ApiResponse({ status: 202, type: GateSignupView })
  @ApiResponse({ status: 400, description: 'Not an e-mail address' })
  @ApiResponse({ status: 404, description: 'No such published bundle' })
  @ApiResponse({ status: 409, description: 'The bundle is not email-gated' })
  @ApiResponse({ status: 429, description: 'Too many requests from this address' })
  signup(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: GateSignupDto): Promise<GateSignupView> {
    return this.gate.signup(id, dto.email);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('email-gate/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Confirm the address of a confirmation link's token. With a bearer token the bundle is added to that account's library (one zero-amount license per sign-up, however often confirmed); without one the address is confirmed and the same link claims it after logging in",
  })
  @ApiResponse({ status: 200, type: GateConfirmView })
  @ApiResponse({ status: 400, description: 'Not a confirmation token' })
  @ApiResponse({ status: 404, description: 'Unknown token (replaced by a newer link) or bundle gone' })
  @ApiResponse({ status: 409, description: 'Already claimed into another account, or the gate was turned off' })
  @ApiResponse({ status: 410, description: 'The link expired' })
  @ApiResponse({ status: 429, description: 'Too many requests from this address' })
  confirm(@Body() dto: GateConfirmDto, @CurrentUser() caller?: AuthenticatedUser): Promise<GateConfirmView> {
    return this.gate.confirm(dto.token, caller);
  }

  @Get('bundles/:id/email-gate/fans.csv')
  @ApiBearerAuth()
  @Roles('CREATOR')
  @Owns('bundle', 'id')
  @ApiOperation({
    summary:
      "The bundle's confirmed fans as CSV (email, confirmed_at, signed_up_at, claimed_into_account); the bundle creator or an admin",
  })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV, one confirmed address per line', type: String })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  async csv(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const slug = await this.fans.slugOf(id);
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(Readable.from(this.fans.lines(id)), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${slug}-fans.csv"`,
    });
  }
}
