import { cacheControlFor, isAppPage, WEB_APP_CSP } from './web-app-routes';

describe('web app routes', () => {
  it('answers the pages a browser may open directly', () => {
    for (const p of [
      '/',
      '/b/my-film',
      '/library',
      '/studio',
      '/studio/5b0e2a64-1d3e-4b8e-9b43-0d6f1c1d2e3f',
      '/admin',
      '/account',
      '/checkout/success',
      '/checkout/cancel',
    ])
      expect(isAppPage(p)).toBe(true);
  });

  it('leaves API, BitTorrent and unknown paths alone', () => {
    for (const p of ['/v1/catalog', '/webseed/x/y', '/announce', '/docs', '/health', '/b/x/y', '/nope', '/libraryx'])
      expect(isAppPage(p)).toBe(false);
  });

  it('marks hashed assets immutable and everything else revalidated', () => {
    expect(cacheControlFor('/assets/index-Cf6ayPQa.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('/index.html')).toBe('no-cache');
    expect(cacheControlFor('/favicon.svg')).toBe('no-cache');
  });

  it('allows no inline script and nothing from other origins', () => {
    expect(WEB_APP_CSP).toContain("script-src 'self'");
    expect(WEB_APP_CSP).not.toContain('unsafe-inline');
    // WebAssembly compilation (the unlock code's SHA-256) only, never JavaScript eval.
    expect(WEB_APP_CSP).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(WEB_APP_CSP).not.toMatch(/'unsafe-eval'/);
    expect(WEB_APP_CSP).not.toMatch(/https?:/);
    expect(WEB_APP_CSP).toContain("frame-ancestors 'none'");
  });
});
