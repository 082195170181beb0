/**
 * The one way the app talks to the API (same origin: `/v1`). Errors come back as ApiError carrying
 * the API's own messages, so forms can show them next to the field they name.
 */
import { clearStoredSession, storedToken } from './session-store';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
    readonly body: unknown,
  ) {
    super(messages.join('; '));
    this.name = 'ApiError';
  }

  /** The API starts every validation message with the field's path ("password must be …"). */
  messageFor(field: string): string | undefined {
    return this.messages.find((m) => m === field || m.startsWith(`${field} `) || m.startsWith(`${field}.`));
  }
}

/** The server did not answer at all (down, restarting, offline). */
export class ApiUnreachableError extends Error {
  constructor(cause: unknown) {
    super('The Keyseed server cannot be reached. Check your connection and try again in a moment.', { cause });
    this.name = 'ApiUnreachableError';
  }
}

/** Raised (and broadcast) when a stored session is refused: the app asks the user to log in again. */
export const SESSION_EXPIRED_EVENT = 'keyseed:session-expired';

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Send the session token (default). Public pages still send it when present: owners see drafts. */
  auth?: boolean;
}

function messagesOf(body: unknown, status: number): string[] {
  const message = (body as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.map(String);
  if (typeof message === 'string' && message) return [message];
  return [`The server answered ${status}`];
}

export async function apiRequest(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = opts.auth === false ? null : storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiUnreachableError(err);
  }
  if (res.ok) return res;
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 401 && token) {
    clearStoredSession();
    window.dispatchEvent(new Event(SESSION_EXPIRED_EVENT));
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    if (body === null) throw new ApiUnreachableError(new Error(`HTTP ${res.status}`));
  }
  throw new ApiError(res.status, messagesOf(body, res.status), body);
}

/** JSON request; 204 answers resolve to undefined. */
export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await apiRequest(method, path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A message a person can act on, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError || err instanceof ApiUnreachableError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
