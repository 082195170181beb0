import type {
  CheckoutView,
  CreatedTokenView,
  DeviceView,
  LicenseView,
  OrderView,
  SessionView,
  UserView,
} from '@keyseed/api-views';
import type { SealedKeySet } from '@keyseed/crypto';
import { CliError, ExitCode, ExitCodeValue } from './cli-error';

/** An HTTP error from the API, already mapped to the CLI's exit codes; `status` and `serverMessage` for callers that refine it. */
export class ApiError extends CliError {
  constructor(
    message: string,
    exitCode: ExitCodeValue,
    readonly status: number,
    readonly serverMessage: string,
    /** The answer's Retry-After, in ms (absent: null). */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message, exitCode);
  }
}

/** No answer at all: the connection failed, was reset or timed out (the request may or may not have been served). */
export class ApiUnreachableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.ApiUnreachable);
  }
}

/**
 * How a request that a storm can fail is retried: up to `attempts` tries; after a network error
 * (a reset keep-alive connection, a refused connection, a timeout), a 502/503/504 or a 429, wait
 * the answer's Retry-After (plus up to `baseMs` of jitter) or else a random time up to
 * `min(capMs, baseMs · 2^(try-1))` ("full jitter": a premiere's clients that failed together do
 * not come back together). A Retry-After beyond `maxRetryAfterMs` is not waited for.
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
  maxRetryAfterMs: number;
}

/** Key requests (a premiere's release minute: README, premieres): about a minute of retries at most. */
export const KEY_REQUEST_RETRIES: RetryPolicy = { attempts: 6, baseMs: 500, capMs: 15_000, maxRetryAfterMs: 65_000 };

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

/** 425 Too Early: a premiere whose keys are withheld until `releaseAt`. */
export class NotReleasedError extends ApiError {
  constructor(
    message: string,
    readonly releaseAt: Date,
  ) {
    super(message, ExitCode.NotReleased, 425, message);
  }
}

export type {
  CheckoutView,
  CreatedTokenView,
  DeviceView,
  LicenseStatus,
  LicenseView,
  OrderStatus,
  OrderView,
  SessionView,
  UserView,
} from '@keyseed/api-views';

/** The catalog's public view of a bundle; only the fields the CLI relies on are typed, all defensively. */
export interface CatalogBundle {
  id: string;
  slug: string;
  title: string;
  pieceLength?: number | null;
  price?: { amount: number | null; currency: string | null; minimum?: number | null; forSale?: boolean } | null;
  priceAmount?: number | null;
  priceCurrency?: string | null;
  priceMinimum?: number | null;
  magnet?: string | null;
  items?: { id: string; path: string; locked: boolean; size?: number | string | null; previewPieces?: number }[];
}

export interface KeysRequestItem {
  itemId: string;
}

/**
 * Typed, fetch-based client of the Keyseed API (`/v1`). Every failure becomes a CliError with a
 * documented exit code: unreachable → ApiUnreachable, 401 → Unauthorized, 404 → NotFound,
 * 400 → InvalidInput; callers refine 403/409 where they know what they mean.
 */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token?: string,
    private readonly timeoutMs = 30_000,
    private readonly keyRetries: RetryPolicy = KEY_REQUEST_RETRIES,
  ) {}

  withToken(token: string): ApiClient {
    return new ApiClient(this.base, token, this.timeoutMs, this.keyRetries);
  }

  login(email: string, password: string): Promise<SessionView> {
    return this.json('POST', '/v1/auth/login', { email, password });
  }

  me(): Promise<UserView> {
    return this.json('GET', '/v1/me');
  }

  createPersonalToken(name: string): Promise<CreatedTokenView> {
    return this.json('POST', '/v1/me/tokens', { name });
  }

  catalogBundle(slug: string): Promise<CatalogBundle> {
    return this.json('GET', `/v1/catalog/${encodeURIComponent(slug)}`);
  }

  /** The bundle's .torrent: hybrid v1+v2 by default, or the legacy v1-only one. */
  async catalogTorrent(slug: string, format: 'hybrid' | 'v1' = 'hybrid'): Promise<Buffer> {
    const res = await this.request(
      'GET',
      `/v1/catalog/${encodeURIComponent(slug)}/torrent${format === 'v1' ? '?format=v1' : ''}`,
    );
    return Buffer.from(await res.arrayBuffer());
  }

  checkout(bundleId: string, amount?: number): Promise<CheckoutView> {
    return this.json('POST', `/v1/bundles/${bundleId}/checkout`, amount === undefined ? {} : { amount });
  }

  order(orderId: string): Promise<OrderView> {
    return this.json('GET', `/v1/orders/${orderId}`);
  }

  orders(): Promise<OrderView[]> {
    return this.json('GET', '/v1/orders');
  }

  licenses(): Promise<LicenseView[]> {
    return this.json('GET', '/v1/licenses');
  }

  registerDevice(licenseId: string, publicKey: string, name: string): Promise<DeviceView> {
    return this.json('POST', `/v1/licenses/${licenseId}/devices`, { publicKey, name });
  }

  /** Retried (KEY_REQUEST_RETRIES): asking again is harmless, each delivery is a fresh seal of the same keys. */
  keys(licenseId: string, deviceId: string, items?: KeysRequestItem[]): Promise<SealedKeySet> {
    return withRetries(this.keyRetries, () =>
      this.json<SealedKeySet>('POST', `/v1/licenses/${licenseId}/keys`, items ? { deviceId, items } : { deviceId }),
    );
  }

  /** Preview keys of a bundle (no license needed), sealed to `publicKey` with licenseId and deviceId "preview". */
  previewKeys(bundleId: string, publicKey: string): Promise<SealedKeySet> {
    return this.json('POST', `/v1/bundles/${bundleId}/preview-keys`, { publicKey });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new CliError(`${method} ${path} answered ${res.status} with a body that is not JSON`, ExitCode.Failure);
    }
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new ApiUnreachableError(
        `cannot reach the Keyseed API at ${this.base} (${why}); is the platform running? Set it with --api or KEYSEED_API`,
      );
    }
    if (res.ok) return res;
    throw await toApiError(method, path, res);
  }
}

/** Runs `call` until it succeeds, fails for good, or `policy.attempts` tries have failed. */
export async function withRetries<T>(policy: RetryPolicy, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = attempt < policy.attempts ? retryDelay(err, attempt, policy) : null;
      if (wait === null) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** How long to wait before try `attempt + 1` after `err`, or null when it is not worth retrying. */
function retryDelay(err: unknown, attempt: number, policy: RetryPolicy): number | null {
  const backoff = Math.random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  if (err instanceof ApiUnreachableError) return backoff;
  if (!(err instanceof ApiError) || !RETRIED_STATUSES.has(err.status)) return null;
  if (err.retryAfterMs === null) return backoff;
  return err.retryAfterMs > policy.maxRetryAfterMs ? null : err.retryAfterMs + Math.random() * policy.baseMs;
}

/** Retry-After as ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

async function toApiError(method: string, path: string, res: Response): Promise<ApiError> {
  const retryAfter = retryAfterMs(res.headers.get('retry-after'));
  let message: string;
  let releaseAt: Date | null = null;
  try {
    const body = (await res.json()) as { message?: string | string[]; releaseAt?: unknown };
    message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? '');
    if (typeof body.releaseAt === 'string' && !Number.isNaN(Date.parse(body.releaseAt)))
      releaseAt = new Date(body.releaseAt);
  } catch {
    message = res.statusText;
  }
  const what = message || res.statusText || `HTTP ${res.status}`;
  switch (res.status) {
    case 400:
      return new ApiError(what, ExitCode.InvalidInput, 400, message);
    case 401:
      return new ApiError(
        `not logged in, or the token expired or was revoked (${what}); run \`keyseed login\``,
        ExitCode.Unauthorized,
        401,
        message,
      );
    case 403:
      return new ApiError(what, ExitCode.Unauthorized, 403, message);
    case 404:
      return new ApiError(`${what} (${method} ${path})`, ExitCode.NotFound, 404, message);
    case 425:
      if (releaseAt) return new NotReleasedError(what, releaseAt);
      return new ApiError(what, ExitCode.NotReleased, 425, message);
    case 429:
      return new ApiError(
        `the API is rate-limiting this client (${what}); wait a minute and retry`,
        ExitCode.Failure,
        429,
        message,
        retryAfter,
      );
    default:
      if (res.status >= 500)
        return new ApiError(
          `the API failed on ${method} ${path}: ${res.status} ${what}`,
          ExitCode.Failure,
          res.status,
          message,
          retryAfter,
        );
      return new ApiError(what, ExitCode.Failure, res.status, message);
  }
}
