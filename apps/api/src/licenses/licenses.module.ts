import { Module } from '@nestjs/common';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';
import { LicensesController } from './licenses.controller';
import { LicensesService } from './licenses.service';

@Module({ controllers: [LicensesController, DevicesController], providers: [LicensesService, DevicesService] })
export class LicensesModule {}
