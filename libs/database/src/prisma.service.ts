import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaClient } from './generated/client';

/** The one Prisma client of a process, over node-postgres (Prisma 7 driver adapter). */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(KEYSEED_CONFIG) config: KeyseedConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.DATABASE_URL }) });
  }

  /** Last in the shutdown sequence: jobs and requests finishing in earlier hooks still reach the database. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
