import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccountNeutral, AuthenticatedUser, CurrentUser, Public } from '../auth/auth.decorators';
import { clientAddress } from '../common/request-context';
import { NotReleasedView, PreviewKeysDto, RequestKeysDto, SealedKeySetView } from './dtos/request-keys.dto';
import { sayWhenToRetry, sendSealed, tooEarly } from './key-answers';
import { KeyDeliveryService, NotReleasedException } from './key-delivery.service';

@ApiTags('keys')
@Controller()
export class KeysController {
  constructor(private readonly keys: KeyDeliveryService) {}

  @Post('licenses/:id/keys')
  @AccountNeutral()
  @ApiBearerAuth()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Content keys of your license (payload v2), sealed to one of its devices; audited and rate-limited; ' +
      "before a premiere's releaseAt: 425 with releaseAt and Retry-After",
  })
  @ApiResponse({ status: 200, type: SealedKeySetView })
  @ApiResponse({ status: 400, description: 'Item not in the bundle, not locked, or a piece range outside the item' })
  @ApiResponse({
    status: 403,
    description: 'Not your license, license not ACTIVE (suspended/revoked), or the device was removed',
  })
  @ApiResponse({ status: 404, description: 'No such license, or the device is not registered to it' })
  @ApiResponse({ status: 409, description: 'Item (or every item) not ready yet' })
  @ApiResponse({ status: 410, description: 'Bundle taken down' })
  @ApiResponse({
    status: 425,
    type: NotReleasedView,
    description:
      'Premiere not released yet: `{statusCode, error, message, releaseAt}` and a Retry-After header (seconds); the license stays ACTIVE',
  })
  @ApiResponse({
    status: 429,
    description:
      'More than KEY_REQUESTS_PER_MINUTE for this license or address; Retry-After: seconds until the window turns',
  })
  async deliver(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: RequestKeysDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Ownership is checked by the service in the same query as the license (no @Owns: the hot path).
    let body: string;
    try {
      body = await this.keys.deliver(user.id, id, dto.deviceId, dto.items, clientAddress(req));
    } catch (err) {
      sayWhenToRetry(res, err);
      if (!(err instanceof NotReleasedException)) throw err;
      const answer = tooEarly(err);
      res.setHeader('Retry-After', answer.retryAfter);
      res.status(425).json(answer.body);
      return;
    }
    sendSealed(res, body);
  }

  @Post('bundles/:id/preview-keys')
  @Public()
  @AccountNeutral()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Preview keys (pieces < previewPieces) for anyone, no account needed; sealed with licenseId "preview" and deviceId "preview" ' +
      '(AAD "keyseed/v1|preview|preview"); audited (with the account when a token is sent) and rate-limited per address',
  })
  @ApiResponse({ status: 200, type: SealedKeySetView })
  @ApiResponse({ status: 400, description: 'Bad public key, item not in the bundle, or a range beyond the preview' })
  @ApiResponse({ status: 404, description: 'No such published bundle, or it has no preview pieces' })
  @ApiResponse({
    status: 429,
    description: 'More than KEY_REQUESTS_PER_MINUTE from this address; Retry-After: seconds until the window turns',
  })
  async preview(
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: PreviewKeysDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    let body: string;
    try {
      body = await this.keys.deliverPreview(user?.id ?? null, id, dto.publicKey, dto.items, clientAddress(req));
    } catch (err) {
      sayWhenToRetry(res, err);
      throw err;
    }
    sendSealed(res, body);
  }
}
