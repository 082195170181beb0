import { Module } from '@nestjs/common';
import { UploadsModule } from '../uploads/uploads.module';
import { BundleItemsController } from './bundle-items.controller';
import { BundleItemsService } from './bundle-items.service';
import { BundlePublishingService } from './bundle-publishing.service';
import { BundlesController } from './bundles.controller';
import { BundlesService } from './bundles.service';
import { StoredFilesService } from './stored-files.service';

@Module({
  imports: [UploadsModule],
  controllers: [BundlesController, BundleItemsController],
  providers: [BundlesService, BundleItemsService, BundlePublishingService, StoredFilesService],
  exports: [BundlesService, BundlePublishingService],
})
export class BundlesModule {}
