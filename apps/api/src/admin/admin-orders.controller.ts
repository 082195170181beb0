import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { RefundOrderDto, RefundView } from './dtos/refund-order.dto';
import { OrderRefundsService } from './order-refunds.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/orders')
export class AdminOrdersController {
  constructor(private readonly refunds: OrderRefundsService) {}

  @Post(':id/refund')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refund an order in full through Stripe (idempotent, audited); the license is revoked' })
  @ApiResponse({ status: 200, type: RefundView })
  @ApiResponse({ status: 404, description: 'No such order' })
  @ApiResponse({ status: 409, description: 'Order not paid, or Stripe refused (e.g. disputed charge)' })
  @ApiResponse({ status: 502, description: 'Stripe unreachable' })
  refund(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: RefundOrderDto,
  ): Promise<RefundView> {
    return this.refunds.refund(admin.id, id, dto);
  }
}
