import { ApiProperty } from '@nestjs/swagger';

export class LicenseBundleView {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
}

export class LicenseView {
  @ApiProperty() id: string;
  @ApiProperty() orderId: string;
  @ApiProperty({ type: LicenseBundleView }) bundle: LicenseBundleView;
  @ApiProperty({ enum: ['ACTIVE', 'SUSPENDED', 'REVOKED'], description: 'Keys are delivered only for ACTIVE licenses' })
  status: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the license is not ACTIVE' }) statusReason:
    string | null;
  @ApiProperty({
    enum: ['PURCHASE', 'EMAIL_GATE'],
    description: 'EMAIL_GATE: given for a confirmed e-mail address, keys for the email-gated items only',
  })
  source: string;
  @ApiProperty({ description: 'Devices currently registered' }) devices: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class DeviceView {
  @ApiProperty() id: string;
  @ApiProperty() licenseId: string;
  @ApiProperty({ description: 'Raw 32-byte X25519 public key, base64url' }) publicKey: string;
  @ApiProperty() name: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'Set once removed; removed devices get no keys' })
  removedAt: Date | null;
}
