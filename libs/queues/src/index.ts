export * from './queues';
export { QueuesModule, bullPrefix } from './queues.module';
export { JobQueues } from './job-queues';
export { RedisAvailability, RedisUnavailableError } from './redis-availability';
export { createRedisClient, redisConnection } from './redis-connection';
