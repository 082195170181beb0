import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { AdminOrderView } from './dtos/admin-order.view';
import { OrderQueryDto } from './dtos/order-query.dto';
import { RefundOrderDto, RefundView } from './dtos/refund-order.dto';
import { OrderRefundsService } from './order-refunds.service';
import { OrderSearchService } from './order-search.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/orders')
export class AdminOrdersController {
  constructor(
    private readonly refunds: OrderRefundsService,
    private readonly search: OrderSearchService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      "Orders, newest first; filter by the buyer's e-mail, the bundle's title or slug (contains, any case) and status",
  })
  @ApiResponse({ status: 200, type: [AdminOrderView] })
  list(@Query() q: OrderQueryDto): Promise<AdminOrderView[]> {
    return this.search.list(q);
  }

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
