export * from './queues';
export * from './mail-messages';
export { QueuesModule, bullPrefix } from './queues.module';
export { JobQueues } from './job-queues';
export { RedisAvailability, RedisUnavailableError } from './redis-availability';
export { createRedisClient, redisConnection } from './redis-connection';
