import type { Lock, Locker, RequestRelease } from '@tus/utils';
import { ERRORS } from '@tus/utils';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

/** A held lock lives this long unless renewed (a crashed replica's locks free themselves). */
const LOCK_TTL_MS = 15_000;
const RENEW_EVERY_MS = 5_000;
const RETRY_MS = 50;

/** Deletes or renews the lock only if this holder still owns it. */
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * tus upload locks in Redis, so that requests for one upload on different API replicas exclude each
 * other (a PATCH on one replica and a HEAD on another agree on the offset). As tus asks, a request
 * waiting for a lock asks the holder to let go — on whichever replica it runs, through a Redis
 * channel — so a client resuming after a dropped connection is not kept waiting by the dead request.
 */
export class RedisLocker implements Locker {
  /** Locks held by this process: id → release request of the holding tus request. */
  readonly held = new Map<string, RequestRelease>();
  readonly redis: Redis & {
    tusUnlock(key: string, token: string): Promise<number>;
    tusRenew(key: string, token: string, ttl: number): Promise<number>;
  };

  constructor(
    redis: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    readonly acquireTimeoutMs = 30_000,
  ) {
    redis.defineCommand('tusUnlock', { numberOfKeys: 1, lua: UNLOCK });
    redis.defineCommand('tusRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis = redis as typeof this.redis;
    // On every (re)connection; a failed attempt (Redis away) must not become an unhandled rejection.
    const subscribe = () => void this.subscriber.subscribe(this.releaseChannel).catch(() => undefined);
    this.subscriber.on('ready', subscribe);
    if (this.subscriber.status === 'ready') subscribe();
    this.subscriber.on('message', (channel: string, id: string) => {
      if (channel === this.releaseChannel) void this.held.get(id)?.();
    });
  }

  get releaseChannel(): string {
    return `${this.prefix}:tus:release`;
  }

  key(id: string): string {
    return `${this.prefix}:tus:lock:${id}`;
  }

  newLock(id: string): Lock {
    return new RedisLock(id, this);
  }
}

class RedisLock implements Lock {
  private readonly token = randomUUID();
  private renewal: NodeJS.Timeout | null = null;

  constructor(
    private readonly id: string,
    private readonly locker: RedisLocker,
  ) {}

  async lock(stopSignal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { redis } = this.locker;
    const key = this.locker.key(this.id);
    const deadline = Date.now() + this.locker.acquireTimeoutMs;
    let asked = false;
    while (!stopSignal.aborted && Date.now() < deadline) {
      if ((await redis.set(key, this.token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') {
        this.locker.held.set(this.id, requestRelease);
        this.renewal = setInterval(() => {
          void redis.tusRenew(key, this.token, LOCK_TTL_MS).catch(() => undefined);
        }, RENEW_EVERY_MS);
        this.renewal.unref();
        return;
      }
      if (!asked) {
        asked = true;
        await redis.publish(this.locker.releaseChannel, this.id);
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
    // tus answers its own `{ status_code, body }` error objects (here: 500 lock timeout).
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw ERRORS.ERR_LOCK_TIMEOUT;
  }

  async unlock(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    this.locker.held.delete(this.id);
    await this.locker.redis.tusUnlock(this.locker.key(this.id), this.token);
  }
}
