import { Module } from '@nestjs/common';
import { TusFilesService } from './tus-files.service';
import { tusServerProvider } from './tus-server.provider';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

@Module({
  controllers: [UploadsController],
  providers: [TusFilesService, UploadsService, tusServerProvider],
  exports: [TusFilesService, UploadsService],
})
export class UploadsModule {}
