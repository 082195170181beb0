import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The unlock service worker (apps/web/src/unlock/sw), built on its own into one classic script at the root of the app
 * (`dist/web/unlock-sw.js`, unhashed: a worker's URL is its identity, and its scope `/` needs it at
 * the root). Runs after the app's build, which empties dist/web.
 */
export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: false,
    sourcemap: true,
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('./src/unlock/sw/service-worker.ts', import.meta.url)),
      formats: ['iife'],
      name: 'keyseedUnlockWorker',
      fileName: () => 'unlock-sw.js',
    },
  },
});
