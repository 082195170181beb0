import { Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Public, Roles } from '../auth/auth.decorators';
import { EarningsQueryDto } from './dtos/payouts.dto';
import { EarningsRowView, LinkView, OnboardingView, PayoutAccountView } from './dtos/payouts.responses';
import { PayoutsService } from './payouts.service';

@ApiTags('payouts')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller('payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Post('account')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Connect a Stripe Express payout account (created on first call) and get a fresh onboarding link; your bundles are for sale once it can take charges',
  })
  @ApiResponse({ status: 200, type: OnboardingView })
  @ApiResponse({ status: 403, description: 'Not a creator' })
  @ApiResponse({ status: 409, description: 'Stripe refused the account or the link' })
  @ApiResponse({ status: 502, description: 'Stripe unreachable' })
  connect(@CurrentUser() creator: AuthenticatedUser): Promise<OnboardingView> {
    return this.payouts.startOnboarding(creator);
  }

  @Get('account')
  @ApiOperation({ summary: 'Your payout account as Stripe reports it now: payable, requirements due, your fee' })
  @ApiResponse({ status: 200, type: PayoutAccountView })
  @ApiResponse({ status: 403, description: 'Not a creator' })
  account(@CurrentUser() creator: AuthenticatedUser): Promise<PayoutAccountView> {
    return this.payouts.status(creator.id);
  }

  @Post('dashboard-link')
  @HttpCode(200)
  @ApiOperation({ summary: 'A single-use login link to your Stripe Express dashboard (payouts, balance, tax forms)' })
  @ApiResponse({ status: 200, type: LinkView })
  @ApiResponse({ status: 403, description: 'Not a creator' })
  @ApiResponse({ status: 404, description: 'No payout account yet' })
  @ApiResponse({ status: 409, description: 'Onboarding not finished' })
  dashboardLink(@CurrentUser() creator: AuthenticatedUser): Promise<LinkView> {
    return this.payouts.dashboardLink(creator.id);
  }

  @Get('earnings')
  @ApiOperation({ summary: 'Your earnings per bundle or per month and currency: gross, platform fee, refunded, net' })
  @ApiResponse({ status: 200, type: [EarningsRowView] })
  @ApiResponse({ status: 400, description: 'by is not bundle or month' })
  @ApiResponse({ status: 403, description: 'Not a creator' })
  earnings(@CurrentUser() creator: AuthenticatedUser, @Query() q: EarningsQueryDto): Promise<EarningsRowView[]> {
    return this.payouts.earnings(creator.id, q.by);
  }

  @Public()
  @Get('onboarding')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Where Stripe's onboarding sends the creator's browser back (HTML)" })
  @ApiQuery({ name: 'expired', required: false, description: '1 when the onboarding link had expired' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'HTML page with the next step', type: String })
  onboarding(@Query('expired') expired?: string): string {
    const next =
      expired === '1'
        ? 'That onboarding link expired. Ask Keyseed for a new one: <code>POST /v1/payouts/account</code>.'
        : 'Back from Stripe. Check your payout account with <code>GET /v1/payouts/account</code>: once it is payable, your bundles are for sale.';
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payouts · Keyseed</title></head><body><h1>Payout account</h1><p>${next}</p></body></html>`;
  }
}
