import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { StorageModule } from '@keyseed/storage';
import { PlatformSeed } from './seeding/platform-seed.service';
import { SeedMetrics } from './seeding/seed-metrics';

/** The platform seed process: seeds every served bundle over BitTorrent, counts what it sends (BundleEgress, /metrics). */
@Module({
  imports: [ConfigModule, DatabaseModule, StorageModule],
  providers: [EgressRecorder, SeedMetrics, PlatformSeed],
})
export class SeederModule {}
