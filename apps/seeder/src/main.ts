import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadProcessConfig } from '@keyseed/config';
import { createLogger, PinoNestLogger } from '@keyseed/logging';
import { SeederModule } from './seeder.module';
import { PlatformSeed } from './seeding/platform-seed.service';

async function bootstrap(): Promise<void> {
  const config = loadProcessConfig();
  const logger = createLogger(config.LOG_LEVEL, 'seeder');
  const app = await NestFactory.createApplicationContext(SeederModule, { logger: new PinoNestLogger(logger) });
  // SIGTERM/SIGINT: close the peer connections and write the last egress counts.
  app.enableShutdownHooks();
  logger.info({ event: 'seeder.ready', port: app.get(PlatformSeed).port });
}

void bootstrap();
