import { Global, Module } from '@nestjs/common';
import { TrackerWhitelist } from './tracker-whitelist.service';

/** opentracker's whitelist kept in step (api and worker); needs ConfigModule and DatabaseModule (both global). */
@Global()
@Module({ providers: [TrackerWhitelist], exports: [TrackerWhitelist] })
export class OpentrackerModule {}
