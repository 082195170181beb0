import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';

declare module 'http' {
  interface IncomingMessage {
    /** Exact bytes of a JSON body (Stripe signatures are computed over them). */
    rawBody?: Buffer;
  }
}

class NulInBodyError extends SyntaxError {
  constructor() {
    super('NUL characters (\\u0000) are not allowed in request bodies');
  }
}

/** JSON.parse reviver: PostgreSQL text cannot hold NUL, so a body carrying one is refused (400). */
export function refuseNul(key: string, value: unknown): unknown {
  if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) throw new NulInBodyError();
  return value;
}

function invalidUtf8(): Error {
  return Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
}

/**
 * Express's JSON parser `verify` hook: keeps the exact body bytes and refuses invalid UTF-8, which
 * the parser would otherwise turn into U+FFFD and store silently.
 */
export function keepRawUtf8Body(req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() === 'utf-8' && !isUtf8(buf)) throw invalidUtf8();
  req.rawBody = buf;
}

/**
 * A UTF-8 JSON body parsed as the API's Express parser does (`express.json` with `strict: false`,
 * the hooks above): an empty body is `{}`, a leading BOM is dropped, and failures are errors of the
 * same shape (status 400 and body-parser's `type`), so `errorBody` words them identically.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (!isUtf8(raw)) throw invalidUtf8();
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  try {
    return JSON.parse(text, refuseNul);
  } catch (err) {
    throw Object.assign(err as Error, { status: 400, type: 'entity.parse.failed' });
  }
}
