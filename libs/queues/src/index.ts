export * from './queues';
export * from './mail-messages';
export { QueuesModule, bullPrefix } from './queues.module';
export { JobQueues } from './job-queues';
export { RedisAvailability, RedisUnavailableError, createRedisClient } from './redis-availability';
export { redisConnection } from './redis-connection';
