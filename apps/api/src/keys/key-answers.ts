import type { ServerResponse } from 'node:http';
import type { NotReleasedException } from './key-delivery.service';
import { KeyRateLimitedException } from './key-rate-limiter';

/**
 * 200 with the sealed key set, already serialised: no `res.json` (stringify) and no ETag (every seal
 * is fresh, so a hash of the body can never match). Never cached by intermediaries.
 */
export function sendSealed(res: ServerResponse, body: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length); // ASCII: one byte per character
  res.setHeader('Cache-Control', 'no-store');
  res.end(body, 'latin1');
}

/** The 425 of a premiere not released yet: the release time as data, and when to come back (Retry-After). */
export function tooEarly(err: NotReleasedException): {
  retryAfter: string;
  body: { statusCode: 425; error: string; message: string; releaseAt: string };
} {
  const retry = Math.max(1, Math.ceil((err.releaseAt.getTime() - Date.now()) / 1000));
  return {
    retryAfter: String(retry),
    body: { statusCode: 425, error: 'Too Early', message: err.message, releaseAt: err.releaseAt.toISOString() },
  };
}

/** Before a refusal is answered: a rate-limited key request says when to come back (Retry-After). */
export function sayWhenToRetry(res: ServerResponse, err: unknown): void {
  if (err instanceof KeyRateLimitedException) res.setHeader('Retry-After', String(err.retryAfterSeconds));
}
