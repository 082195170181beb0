import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web app builds to dist/web, which the API serves at `/` (apps/api/src/web-app). Hashed file
 * names under assets/ let the server mark them immutable; nothing is loaded from another origin.
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // The content-security-policy forbids inline scripts; Vite's module-preload polyfill would be inline-free
    // anyway, but every current browser supports modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: {
      // react-router marks its modules "use client" (for server components, which this app does not use).
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npx vite apps/web` during development: API calls go to a running `npm start`.
    proxy: { '/v1': 'http://127.0.0.1:3000', '/webseed': 'http://127.0.0.1:3000' },
  },
});
