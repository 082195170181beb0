import { Module } from '@nestjs/common';
import { PublishedFiles } from './published-files';
import { WebseedController } from './webseed.controller';
import { WebseedService } from './webseed.service';

@Module({
  controllers: [WebseedController],
  providers: [PublishedFiles, WebseedService],
})
export class WebseedModule {}
