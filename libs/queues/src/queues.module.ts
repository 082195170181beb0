import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { QueueErrorLogger } from './queue-error-logger';
import { QueueName } from './queues';

/** BullMQ on the configured Redis, with the deployment's key prefix, for api and worker alike. */
@Module({})
export class QueuesModule {
  static register(): DynamicModule {
    const root = BullModule.forRootAsync({
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => ({
        connection: redisConnection(config.REDIS_URL),
        prefix: `${config.REDIS_PREFIX}:bull`,
        defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
      }),
    });
    const queues = BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name })));
    // Global: every module injects the same queue instances (one set of Redis connections per process).
    return {
      module: QueuesModule,
      global: true,
      imports: [root, queues],
      providers: [QueueErrorLogger],
      exports: [queues],
    };
  }
}

export function redisConnection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}
