import { Module } from '@nestjs/common';
import { EmailGateController } from './email-gate.controller';
import { EmailGateService } from './email-gate.service';
import { FansExport } from './fans-export';

/** The email gate: gated items, fans' double opt-in, zero-amount licenses, the fans CSV. */
@Module({ controllers: [EmailGateController], providers: [EmailGateService, FansExport] })
export class EmailGateModule {}
