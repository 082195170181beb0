import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import { StripeWebhooksService } from './stripe-webhooks.service';

@ApiTags('stripe')
@Controller('stripe')
export class StripeWebhooksController {
  constructor(private readonly webhooks: StripeWebhooksService) {}

  @Post('webhook')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Stripe webhook endpoint (signed by Stripe; not for API clients)' })
  @ApiResponse({
    status: 200,
    description: 'Event processed, duplicate, or of a type Keyseed ignores',
    schema: {
      type: 'object',
      required: ['received', 'duplicate'],
      properties: { received: { type: 'boolean', enum: [true] }, duplicate: { type: 'boolean' } },
    },
  })
  @ApiResponse({
    status: 400,
    description: 'Missing or bad signature, or a timestamp outside the 5-minute tolerance: nothing stored',
  })
  async receive(
    @Req() req: Request,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<{ received: true; duplicate: boolean }> {
    const event = this.webhooks.verify(req.rawBody, signature);
    const result = await this.webhooks.handle(event);
    return { received: true, duplicate: result.duplicate };
  }
}
