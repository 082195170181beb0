/**
 * Which requests the web app answers, and with which headers. Pure (no Express), unit-tested.
 * The API's own routes (/v1, /webseed, /announce, /docs, /health) never reach these rules: the app
 * is mounted after them.
 */

/** Paths the browser may open directly; each gets index.html and the React router picks the page. */
const APP_PAGES: RegExp[] = [
  /^\/$/,
  /^\/b\/[^/]+\/?$/,
  /^\/library\/?$/,
  /^\/studio(\/[^/]+)?\/?$/,
  /^\/admin\/?$/,
  /^\/account\/?$/,
  /^\/checkout\/(success|cancel)\/?$/,
];

export function isAppPage(path: string): boolean {
  return APP_PAGES.some((re) => re.test(path));
}

/** Vite writes content-hashed names under /assets/: a new build never reuses a name. */
export function cacheControlFor(path: string): string {
  return path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * The app's Content-Security-Policy: everything from this origin, no inline scripts or styles, no
 * eval, no plugins, no framing. blob: media and images serve decrypted files shown in the page; the
 * service worker (worker-src 'self') answers the video element's range requests. 'wasm-unsafe-eval'
 * lets the unlock code compile its SHA-256 WebAssembly (hash-wasm, twice the speed of script) and
 * nothing else: JavaScript eval stays refused (docs/web-app.md).
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
