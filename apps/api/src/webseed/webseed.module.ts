import { Module } from '@nestjs/common';
import { EgressModule } from '../egress/egress.module';
import { PublishedFiles } from './published-files';
import { SwarmAwareWebseed } from './swarm-aware-webseed';
import { WebseedController } from './webseed.controller';
import { WebseedService } from './webseed.service';

@Module({
  imports: [EgressModule],
  controllers: [WebseedController],
  providers: [PublishedFiles, WebseedService, SwarmAwareWebseed],
})
export class WebseedModule {}
