import { Module } from '@nestjs/common';
import { tusServerProvider } from './tus-server.provider';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

@Module({
  controllers: [UploadsController],
  providers: [UploadsService, tusServerProvider],
  exports: [UploadsService],
})
export class UploadsModule {}
