import { Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminBundlesController } from './admin-bundles.controller';
import { AdminOrdersController } from './admin-orders.controller';
import { BundleSalesController } from './bundle-sales.controller';
import { ModerationService } from './moderation.service';
import { OrderRefundsService } from './order-refunds.service';
import { OrderSearchService } from './order-search.service';
import { SalesReportService } from './sales-report.service';

@Module({
  controllers: [AdminUsersController, AdminBundlesController, AdminOrdersController, BundleSalesController],
  providers: [AdminBootstrapService, ModerationService, OrderRefundsService, OrderSearchService, SalesReportService],
})
export class AdminModule {}
