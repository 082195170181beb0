import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PrismaService } from '@keyseed/database';
import { Public } from '../auth/auth.decorators';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Keyseed</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * Where Stripe Checkout sends the buyer's browser back (success_url / cancel_url). Public: the
 * browser carries no bearer token; the order id is an unguessable UUID and the page shows only
 * the bundle's title, the order's state and the next command.
 */
@ApiTags('checkout')
@Controller('checkout')
export class CheckoutPagesController {
  constructor(private readonly prisma: PrismaService) {}

  @Public()
  @Get('success')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Return page after a paid checkout (HTML for the buyer's browser)" })
  @ApiQuery({ name: 'order_id', required: true })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, type: String, description: "HTML page with the order's state and the next step" })
  async success(@Query('order_id') orderId?: string): Promise<string> {
    const order = await this.find(orderId);
    if (!order) return page('Order not found', '<p>This link does not name a Keyseed order.</p>');
    const title = escapeHtml(order.bundle.title);
    const slug = escapeHtml(order.bundle.slug);
    const state =
      order.status === 'PAID'
        ? '<p>Payment received: your license is active.</p>'
        : order.status === 'PENDING'
          ? '<p>Thank you! Stripe is confirming the payment; your license becomes active within moments (bank transfers can take longer).</p>'
          : `<p>This order is <strong>${escapeHtml(order.status.toLowerCase())}</strong>.</p>`;
    return page(
      `Thanks for buying “${order.bundle.title}”`,
      `${state}<p>Download and unlock <em>${title}</em> on this computer with <code>keyseed get ${slug}</code>, or download the torrent with any BitTorrent client and run <code>keyseed unlock &lt;folder&gt;</code>.</p>`,
    );
  }

  @Public()
  @Get('cancel')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Return page after an abandoned checkout (HTML for the buyer's browser)" })
  @ApiQuery({ name: 'order_id', required: true })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, type: String, description: 'HTML page saying nothing was charged' })
  async cancel(@Query('order_id') orderId?: string): Promise<string> {
    const order = await this.find(orderId);
    const what = order ? `“${escapeHtml(order.bundle.title)}”` : 'this bundle';
    const retry = order ? `<p>To try again: <code>keyseed buy ${escapeHtml(order.bundle.slug)}</code>.</p>` : '';
    return page('Checkout cancelled', `<p>You were not charged for ${what}.</p>${retry}`);
  }

  private find(orderId: string | undefined) {
    if (!orderId || !UUID.test(orderId)) return Promise.resolve(null);
    return this.prisma.order.findUnique({
      where: { id: orderId },
      select: { status: true, bundle: { select: { title: true, slug: true } } },
    });
  }
}
