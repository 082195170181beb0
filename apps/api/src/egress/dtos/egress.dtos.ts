import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A span of UTC days, both ends included. */
export class EgressQueryDto {
  @ApiProperty({ required: false, example: '2026-12-01', description: 'First UTC day (default: 29 days before `to`)' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date as YYYY-MM-DD' })
  from?: string;

  @ApiProperty({ required: false, example: '2026-12-30', description: 'Last UTC day (default: today)' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date as YYYY-MM-DD' })
  to?: string;
}

export class EgressDayView {
  @ApiProperty({ example: '2026-12-02' }) day: string;
  @ApiProperty({ description: 'Body bytes sent by the BEP 19 webseed' }) webseedBytes: number;
  @ApiProperty({ description: 'Piece bytes sent by the platform BitTorrent seed' }) seedBytes: number;
}

export class SwarmSampleView {
  @ApiProperty() at: Date;
  @ApiProperty() seeders: number;
  @ApiProperty() leechers: number;
  @ApiProperty({ description: 'Completed downloads counted by the tracker so far' }) completed: number;
}

export class EgressView {
  @ApiProperty() bundleId: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Webseed + platform seed bytes over the span' }) originBytes: number;
  @ApiProperty({ type: [EgressDayView], description: 'Days with traffic, oldest first' }) days: EgressDayView[];
  @ApiProperty({ type: [SwarmSampleView], description: 'Swarm size samples in the span, oldest first' })
  swarm: SwarmSampleView[];
}
