import { z } from 'zod';

/** An announce URL an external tracker answers on (BEP 3 HTTP(S) or BEP 15 UDP). */
function isTrackerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return ['http:', 'https:', 'udp:'].includes(url.protocol) && url.hostname !== '' && !url.hash;
  } catch {
    return false;
  }
}

const bytes = (label: string) =>
  z.coerce
    .number({ error: `${label} must be a number of bytes` })
    .int()
    .positive();

/**
 * Every setting both apps read, validated once at start-up. Defaults work on a development
 * machine with PostgreSQL and Redis on their standard local ports (see README).
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url({ error: 'PUBLIC_URL must be an absolute http(s) URL' }).default('http://127.0.0.1:3000'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL')
      .default('postgresql://postgres@127.0.0.1:5432/keyseed'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    /** Key prefix for every Redis key (queues, rate limits, tracker), so deployments can share a server. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]+$/, 'REDIS_PREFIX may hold letters, digits and _:.-')
      .default('keyseed'),
    DATA_DIR: z.string().default('./data'),
    /** The built web app (`npm run build` writes it), served at `/`. */
    WEB_DIR: z.string().default('./dist/web'),
    /** Base64 KEKs separated by commas, newest first: the first wraps, all unwrap. */
    KEYSEED_KEK: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT: z.string().default('1mb'),

    AUTH_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    SESSION_TTL_HOURS: z.coerce
      .number()
      .positive()
      .default(24 * 7),
    ADMIN_EMAIL: z.email({ error: 'ADMIN_EMAIL must be an e-mail address' }).optional(),
    ADMIN_PASSWORD: z.string().min(12, 'ADMIN_PASSWORD must have at least 12 characters').optional(),

    MAX_UPLOAD_BYTES: bytes('MAX_UPLOAD_BYTES').default(64 * 1024 ** 3),
    CREATOR_QUOTA_BYTES: bytes('CREATOR_QUOTA_BYTES').default(512 * 1024 ** 3),
    UPLOAD_EXPIRY_HOURS: z.coerce.number().positive().default(24),

    INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    INGEST_THREADS: z.coerce.number().int().min(1).max(64).default(2),
    /** BullMQ job lock (ms) of worker jobs: a worker that dies loses its job to another after about this long (stalled check). */
    JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    /** First retry delay (ms) of a failed ingest/publish attempt; later retries back off exponentially. */
    JOB_RETRY_DELAY_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** How often (ms) the worker compares the database with the queues and re-creates lost jobs and schedules. */
    SWEEP_INTERVAL_MS: z.coerce.number().int().min(200).max(3_600_000).default(30_000),

    MAX_DEVICES_PER_LICENSE: z.coerce.number().int().min(1).max(100).default(5),
    KEY_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(120),
    /** Ephemeral key pairs the API makes ahead of key deliveries while idle (docs/key-scheme.md, sealed delivery); 0 = each seal makes its own. */
    EPHEMERAL_KEY_POOL: z.coerce.number().int().min(0).max(100_000).default(10_000),
    ANNOUNCES_PER_MINUTE: z.coerce.number().int().min(1).default(600),

    /** Stripe: with no secret key the platform runs against the bundled emulator (offline mode). */
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    /** Where the SDK sends requests, e.g. http://127.0.0.1:12111 for the emulator. Empty = api.stripe.com. */
    STRIPE_API_BASE: z.url().optional(),
    STRIPE_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(12111),
    RECONCILE_AFTER_MINUTES: z.coerce.number().positive().default(5),
    /** Lifetime of a Checkout Session; Stripe accepts 30 min–24 h after creation (31 leaves room for clock skew). */
    CHECKOUT_SESSION_MINUTES: z.coerce.number().int().min(31).max(1439).default(31),
    /** The platform's share of a creator's sale (Stripe Connect application fee), 0–100, up to two decimals. */
    PLATFORM_FEE_PERCENT: z.coerce
      .number({ error: 'PLATFORM_FEE_PERCENT must be a number from 0 to 100' })
      .min(0)
      .max(100)
      .refine((v) => Number.isInteger(Math.round(v * 100 * 1e6) / 1e6), 'PLATFORM_FEE_PERCENT has at most two decimals')
      .default(10),

    /** Outgoing e-mail (receipts, notices, email-gate links) through this SMTP server; unset = the dev mailbox. */
    SMTP_URL: z
      .string()
      .regex(
        /^smtps?:\/\/[^/\s]+/,
        'SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example:587',
      )
      .refine(
        (v) => URL.canParse(v),
        'SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example:587',
      )
      .optional(),
    /** Sender of every e-mail: `address` or `Name <address>`. */
    MAIL_FROM: z
      .string()
      .regex(
        /^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/,
        'MAIL_FROM must be an e-mail address or "Name <address>"',
      )
      .default('Keyseed <no-reply@keyseed.localhost>'),
    /** Without SMTP_URL, e-mails are written here as .eml files (default DATA_DIR/mailbox) and logged. */
    MAIL_DEV_DIR: z.string().optional(),
    /** First retry delay (ms) of an e-mail the SMTP server did not take; later retries back off exponentially (8 tries). */
    MAIL_RETRY_DELAY_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),

    /** How long an email-gate confirmation link works (hours). */
    EMAIL_GATE_LINK_HOURS: z.coerce.number().int().min(1).max(720).default(72),

    /** Platform seed (apps/seeder): BitTorrent port for TCP and uTP (0 = any free port). */
    SEEDER_PORT: z.coerce.number().int().min(0).max(65535).default(6881),
    /** Upload rate of the platform seed in bytes/s over all its torrents; 0 = unlimited. */
    SEEDER_UPLOAD_LIMIT: z.coerce.number().int().min(0).default(0),
    /**
     * Super-seeding: the platform seed advertises to each peer only a few pieces that no peer of its
     * swarm holds yet, and more as they spread (README "Origin and swarm"); `false` advertises every piece.
     */
    SEEDER_SUPER_SEED: z
      .enum(['true', 'false'], { error: 'SEEDER_SUPER_SEED must be true or false' })
      .default('true')
      .transform((v) => v === 'true'),
    /** Most peer connections the platform seed keeps open. */
    SEEDER_MAX_CONNS: z.coerce.number().int().min(1).max(10_000).default(200),
    /** Prometheus metrics of the platform seed (GET /metrics) on this port; unset = none, 0 = any free port. */
    SEEDER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** Address the platform seed's metrics listen on (loopback unless the scraper is elsewhere). */
    SEEDER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** How often the platform seed looks for newly published and taken-down bundles. */
    SEEDER_SYNC_MS: z.coerce.number().int().min(200).max(600_000).default(2000),
    /**
     * Webseed policy: `swarm` (README "Origin and swarm") answers a client's first request for a file
     * with BEP 19's 503 + Retry-After when a platform seed and enough of its peers can serve it;
     * `plain` always serves.
     */
    WEBSEED_POLICY: z.enum(['swarm', 'plain']).default('swarm'),
    /**
     * Swarm policy: clients of a swarm the webseed feeds a file to before it sends newcomers to their
     * peers (the origin's bandwidth for the first copy: the webseed's per-client rate times this, plus
     * the platform seed's). Two: with one, ten leechers waited 1.4–1.9× the plain webseed's time
     * for the first copy; two cost no more origin bytes since the seed avoids their ranges (BENCHMARKS.md).
     */
    WEBSEED_FEEDERS: z.coerce.number().int().min(1).max(100).default(2),
    /** Retry-After of the swarm policy's 503 (libtorrent and aria2 do not come back for that file anyway). */
    WEBSEED_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** How often origin byte counters are written to PostgreSQL. */
    EGRESS_FLUSH_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    /** How often the API records each served bundle's swarm size. */
    SWARM_SAMPLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),

    /**
     * External trackers every torrent announces to besides the built-in one: comma-separated
     * http(s):// or udp:// announce URLs, each its own BEP 12 tier after the built-in tracker's.
     */
    TRACKER_URLS: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const urls = value
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean);
        for (const url of urls.filter((u) => !isTrackerUrl(u)))
          ctx.addIssue({
            code: 'custom',
            message: `TRACKER_URLS: ${JSON.stringify(url)} is not an http(s):// or udp:// announce URL`,
          });
        return [...new Set(urls)];
      }),
    /**
     * opentracker in whitelist mode (Debian's build): the file it reads its access list from. The
     * process given this keeps it in step with the published bundles and tells opentracker to reload.
     */
    OPENTRACKER_WHITELIST_FILE: z
      .string()
      .refine((p) => p.startsWith('/'), 'OPENTRACKER_WHITELIST_FILE must be an absolute path')
      .optional(),
    /** opentracker's PID file: the reload is a SIGHUP to that process. */
    OPENTRACKER_PID_FILE: z
      .string()
      .refine((p) => p.startsWith('/'), 'OPENTRACKER_PID_FILE must be an absolute path')
      .optional(),
    /** Or a command that makes opentracker reload (e.g. `systemctl kill -s HUP opentracker`), run by /bin/sh. */
    OPENTRACKER_RELOAD_COMMAND: z.string().min(1).optional(),

    /** Blob store: `local` (DATA_DIR/blobs) or `s3` (any S3-compatible store; the S3_* settings below). */
    STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
    /** S3 endpoint URL; empty = AWS's own endpoint for S3_REGION. */
    S3_ENDPOINT: z.url({ error: 'S3_ENDPOINT must be an absolute http(s) URL' }).optional(),
    S3_BUCKET: z.string().min(3, 'S3_BUCKET must name a bucket').optional(),
    S3_REGION: z.string().default('us-east-1'),
    /** Credentials; both empty = the AWS SDK's default chain (environment, instance role). */
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** `true` for servers addressed as <endpoint>/<bucket>/<key> (MinIO, most S3-compatible stores). */
    S3_FORCE_PATH_STYLE: z
      .enum(['true', 'false'], { error: 'S3_FORCE_PATH_STYLE must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && !c.KEYSEED_KEK) {
      ctx.addIssue({
        code: 'custom',
        path: ['KEYSEED_KEK'],
        message:
          'KEYSEED_KEK is required when NODE_ENV=production (base64 of 32 random bytes: `openssl rand -base64 32`)',
      });
    }
    if (c.NODE_ENV === 'production' && !c.STRIPE_SECRET_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_SECRET_KEY'],
        message: 'STRIPE_SECRET_KEY is required when NODE_ENV=production',
      });
    }
    if (c.NODE_ENV === 'production' && !c.SMTP_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message:
          'SMTP_URL is required when NODE_ENV=production (receipts and notices are e-mailed), e.g. smtp://user:password@mail.example:587',
      });
    }
    if (c.STRIPE_SECRET_KEY && !c.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_WEBHOOK_SECRET'],
        message: 'STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set (whsec_… from the Stripe dashboard)',
      });
    }
    if (c.STORAGE_DRIVER === 's3' && !c.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'S3_BUCKET is required when STORAGE_DRIVER=s3' });
    }
    if (Boolean(c.S3_ACCESS_KEY_ID) !== Boolean(c.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_SECRET_ACCESS_KEY'],
        message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together',
      });
    }
    if (c.OPENTRACKER_WHITELIST_FILE && !c.OPENTRACKER_PID_FILE && !c.OPENTRACKER_RELOAD_COMMAND) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPENTRACKER_PID_FILE'],
        message:
          'OPENTRACKER_WHITELIST_FILE needs OPENTRACKER_PID_FILE or OPENTRACKER_RELOAD_COMMAND (opentracker rereads its whitelist on SIGHUP)',
      });
    }
    if (!c.OPENTRACKER_WHITELIST_FILE && (c.OPENTRACKER_PID_FILE || c.OPENTRACKER_RELOAD_COMMAND)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPENTRACKER_WHITELIST_FILE'],
        message: 'OPENTRACKER_PID_FILE and OPENTRACKER_RELOAD_COMMAND need OPENTRACKER_WHITELIST_FILE',
      });
    }
    if (Boolean(c.ADMIN_EMAIL) !== Boolean(c.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_PASSWORD'],
        message: 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together to bootstrap the first admin',
      });
    }
  });

export type KeyseedConfig = z.infer<typeof configSchema>;
