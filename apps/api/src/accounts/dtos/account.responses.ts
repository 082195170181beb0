import { ApiProperty } from '@nestjs/swagger';

export class UserView {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ isArray: true, enum: ['CREATOR', 'BUYER', 'ADMIN'] }) roles: string[];
  @ApiProperty() createdAt: Date;
}

export class SessionView {
  @ApiProperty() user: UserView;
  @ApiProperty({ description: 'Bearer token; send as `Authorization: Bearer <token>`' }) token: string;
  @ApiProperty() expiresAt: Date;
}

export class TokenView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'First characters of the secret, to recognise it' }) prefix: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) lastUsedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) expiresAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) revokedAt: Date | null;
}

export class CreatedTokenView extends TokenView {
  @ApiProperty({ description: 'The secret; shown once, store it now' }) token: string;
}
