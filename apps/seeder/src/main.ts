import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@keyseed/config';
import { createLogger, PinoNestLogger } from '@keyseed/logging';
import { SeederModule } from './seeder.module';
import { PlatformSeed } from './seeding/platform-seed.service';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, 'seeder');
  const app = await NestFactory.createApplicationContext(SeederModule, { logger: new PinoNestLogger(logger) });
  // SIGTERM/SIGINT: close the peer connections and write the last egress counts.
  app.enableShutdownHooks();
  logger.info({ event: 'seeder.ready', port: app.get(PlatformSeed).port });
}

void bootstrap();
