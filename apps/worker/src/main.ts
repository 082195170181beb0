import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadProcessConfig } from '@keyseed/config';
import { createLogger, PinoNestLogger } from '@keyseed/logging';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadProcessConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: new PinoNestLogger(logger) });
  // SIGTERM/SIGINT close the BullMQ workers, which wait for active jobs to finish; a job cut off
  // harder than that is picked up again by another worker through BullMQ's stalled-job check.
  app.enableShutdownHooks();
  logger.info({ event: 'worker.ready' });
}

void bootstrap();
