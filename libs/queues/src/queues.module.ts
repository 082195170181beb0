import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { JobQueues } from './job-queues';
import { QueueName } from './queues';
import { RedisAvailability } from './redis-availability';
import { redisConnection } from './redis-connection';

/** BullMQ on the configured Redis, with the deployment's key prefix, for api and worker alike. */
@Module({})
export class QueuesModule {
  static register(): DynamicModule {
    const root = BullModule.forRootAsync({
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => ({
        connection: redisConnection(config.REDIS_URL),
        prefix: bullPrefix(config),
        defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
      }),
    });
    const queues = BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name })));
    // Global: every module injects the same queue instances (one set of Redis connections per process).
    return {
      module: QueuesModule,
      global: true,
      imports: [root, queues],
      providers: [RedisAvailability, JobQueues],
      exports: [queues, RedisAvailability, JobQueues],
    };
  }
}

/** Key prefix of every BullMQ key of the deployment (queues and workers must agree on it). */
export function bullPrefix(config: Pick<KeyseedConfig, 'REDIS_PREFIX'>): string {
  return `${config.REDIS_PREFIX}:bull`;
}
