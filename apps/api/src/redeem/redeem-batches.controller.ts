import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { AuthenticatedUser, CurrentUser, Owns, Roles } from '../auth/auth.decorators';
import { CreateRedeemBatchDto } from './dtos/redeem.dto';
import { RedeemBatchView, RedeemCodeView } from './dtos/redeem.responses';
import { RedeemBatchesService } from './redeem-batches.service';

@ApiTags('codes')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller()
export class RedeemBatchesController {
  constructor(private readonly batches: RedeemBatchesService) {}

  @Post('bundles/:id/redeem-batches')
  @HttpCode(201)
  @Owns('bundle')
  @ApiOperation({
    summary: 'Make a batch of single-use redeem codes (up to 5 000) that each grant a license of your bundle for free',
  })
  @ApiResponse({ status: 201, type: RedeemBatchView })
  @ApiResponse({ status: 400, description: 'count is not an integer from 1 to 5000, or the label is too long' })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CreateRedeemBatchDto,
  ): Promise<RedeemBatchView> {
    return this.batches.create(user.id, id, dto.count, dto.label ?? '');
  }

  @Get('bundles/:id/redeem-batches')
  @Owns('bundle')
  @ApiOperation({ summary: "Your bundle's redeem batches, newest first, with how many codes were used and revoked" })
  @ApiResponse({ status: 200, type: [RedeemBatchView] })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  list(@Param('id', new ParseUUIDPipe()) id: string): Promise<RedeemBatchView[]> {
    return this.batches.list(id);
  }

  @Get('redeem-batches/:id/codes.csv')
  @Owns('redeemBatch')
  @ApiOperation({ summary: 'Every code of a batch as CSV: code, status (UNUSED, USED, REVOKED), used_at, revoked_at' })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV with a header line', type: String })
  @ApiResponse({ status: 403, description: "Another creator's batch" })
  @ApiResponse({ status: 404, description: 'No such batch' })
  async csv(@Param('id', new ParseUUIDPipe()) id: string): Promise<StreamableFile> {
    const lines = await this.batches.csv(id);
    return new StreamableFile(Readable.from(lines), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="redeem-codes-${id}.csv"`,
    });
  }

  @Post('redeem-batches/:id/revoke')
  @HttpCode(200)
  @Owns('redeemBatch')
  @ApiOperation({ summary: 'Revoke every unused code of a batch (licenses already granted stay)' })
  @ApiResponse({ status: 200, type: RedeemBatchView })
  @ApiResponse({ status: 403, description: "Another creator's batch" })
  @ApiResponse({ status: 404, description: 'No such batch' })
  revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<RedeemBatchView> {
    return this.batches.revokeBatch(user.id, id);
  }

  @Post('redeem-batches/:id/codes/:code/revoke')
  @HttpCode(200)
  @Owns('redeemBatch')
  @ApiOperation({ summary: 'Revoke one unused code of a batch' })
  @ApiResponse({ status: 200, type: RedeemCodeView })
  @ApiResponse({ status: 403, description: "Another creator's batch" })
  @ApiResponse({ status: 404, description: 'No such batch, or the code is not in it' })
  @ApiResponse({ status: 409, description: 'The code was already used (its license stays)' })
  revokeCode(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('code') code: string,
  ): Promise<RedeemCodeView> {
    return this.batches.revokeCode(user.id, id, code);
  }
}
