import Redis, { RedisOptions } from 'ioredis';

/** ioredis options for the configured `redis://` or `rediss://` URL (as BullMQ wants them: no request retry limit). */
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

/**
 * The one way the platform opens a Redis connection of its own (BullMQ opens its queues' and
 * workers' connections from `redisConnection`). It always has an 'error' listener: ioredis prints
 * "[ioredis] Unhandled error event" on every reconnect attempt of a client without one, hundreds of
 * unformatted lines per outage. An outage is logged once by RedisAvailability (api, worker) or by
 * the caller whose command failed; callers that react to errors add a listener of their own.
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis({ ...redisConnection(url), ...options });
  client.on('error', () => undefined);
  return client;
}
