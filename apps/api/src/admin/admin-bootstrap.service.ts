import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ensureAdmin } from '@keyseed/auth';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';

/** ADMIN_EMAIL + ADMIN_PASSWORD make sure a first admin exists (idempotent across restarts and replicas). */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('admin');
  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.ADMIN_EMAIL) return;
    const { created } = await ensureAdmin(this.prisma, this.config.ADMIN_EMAIL, this.config.ADMIN_PASSWORD);
    if (created) this.logger.log(`admin account ${this.config.ADMIN_EMAIL} created from ADMIN_EMAIL`);
  }
}
