import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { HelmetOptions } from 'helmet';

/** Helmet's configuration for every answer of the API (no CSP here: the web app sets its own). */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

/**
 * The headers helmet sets with HELMET_OPTIONS, read once by running it against a recording
 * response: the fast path (docs/architecture.md) sends exactly these without running helmet's
 * middlewares on every request. Helmet's headers are static, so one run gives them all.
 */
export function securityHeaders(): [string, string][] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void headers.push([name, value]),
    removeHeader: () => undefined,
  };
  helmet(HELMET_OPTIONS)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}
