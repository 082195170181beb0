import { ApiProperty } from '@nestjs/swagger';

export class PayoutAccountView {
  @ApiProperty({ description: 'A payout account exists (onboarding may be unfinished)' }) connected: boolean;
  @ApiProperty({ nullable: true, type: String }) stripeAccountId: string | null;
  @ApiProperty() chargesEnabled: boolean;
  @ApiProperty() payoutsEnabled: boolean;
  @ApiProperty() detailsSubmitted: boolean;
  @ApiProperty({ type: [String], description: "What Stripe still needs (Stripe's requirements.currently_due)" })
  requirementsDue: string[];
  @ApiProperty({ description: 'Buyers can pay for your bundles (charges enabled)' }) payable: boolean;
  @ApiProperty({ description: "The platform's share of your sales in percent" }) feePercent: number;
}

export class OnboardingView extends PayoutAccountView {
  @ApiProperty({ description: "Stripe's hosted Express onboarding: open it in a browser (expires within minutes)" })
  onboardingUrl: string;
}

export class LinkView {
  @ApiProperty({ description: 'Single-use link to your Stripe Express dashboard' }) url: string;
}

export class EarningsRowView {
  @ApiProperty({ nullable: true, type: String, description: 'by=bundle' }) bundleId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'by=bundle' }) title: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'by=month: YYYY-MM (UTC, month of payment)' }) month:
    string | null;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Paid sales' }) sales: number;
  @ApiProperty({ description: 'What buyers paid, minor units' }) gross: number;
  @ApiProperty({ description: "The platform's fees, less fees refunded" }) fee: number;
  @ApiProperty({ description: 'Refunded to buyers' }) refunded: number;
  @ApiProperty({ description: 'gross − refunded − fee: what reaches your Stripe balance' }) net: number;
  @ApiProperty({ description: 'Sales disputed by the buyer (charged back against you when lost)' }) disputes: number;
}

export class CreatorFeeChangeView {
  @ApiProperty() id: string;
  @ApiProperty() adminId: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Percent; null = the platform default' }) oldPercent:
    number | null;
  @ApiProperty({ nullable: true, type: Number }) newPercent: number | null;
  @ApiProperty() createdAt: Date;
}
