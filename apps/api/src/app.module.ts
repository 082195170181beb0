import { Module } from '@nestjs/common';
import { ConfigModule } from '@keyseed/config';
import { DatabaseModule } from '@keyseed/database';
import { QueuesModule } from '@keyseed/queues';
import { StorageModule } from '@keyseed/storage';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { WebseedModule } from './webseed/webseed.module';

@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    StorageModule,
    QueuesModule.register(),
    AuditModule,
    AuthModule,
    HealthModule,
    AccountsModule,
    AdminModule,
    WebseedModule,
  ],
})
export class AppModule {}
