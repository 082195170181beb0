import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PrismaService } from '@keyseed/database';
import { Public } from '../auth/auth.decorators';
import { CheckoutReturnView } from './dtos/order.responses';

/**
 * What the web app's return pages (/checkout/success and /checkout/cancel, where Stripe Checkout
 * sends the browser back) show. Public: the browser may carry no session (a CLI buyer's); the
 * order id is an unguessable UUID and the answer holds only the order's state and the bundle's name.
 */
@ApiTags('checkout')
@Controller('checkout/orders')
export class CheckoutReturnController {
  constructor(private readonly prisma: PrismaService) {}

  @Public()
  @Get(':id')
  @ApiOperation({ summary: "An order's state for the checkout return pages (no token: the order id is the secret)" })
  @ApiResponse({ status: 200, type: CheckoutReturnView })
  @ApiResponse({ status: 404, description: 'No such order' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CheckoutReturnView> {
    const order = await this.prisma.order.findUnique({
      where: { id },
      select: { id: true, status: true, bundle: { select: { title: true, slug: true } } },
    });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return { orderId: order.id, status: order.status, bundle: order.bundle };
  }
}
