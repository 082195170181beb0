import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * webtorrent 2.8.5 calls `arr2hex(parsedTorrent.infoHash)` with the hex *string* (only to build a
 * debug id), and uint8-util 2.3.x's `arr2hex` reads `data.buffer`, so every `client.add()` throws
 * "The first argument must be of type string … Received undefined". This loader hook makes
 * uint8-util's arr2hex return strings unchanged, for the modules loaded by this process only.
 * (The lasting fix is pinning uint8-util 2.2.x in package.json `overrides`.)
 */
const ARR2HEX_HOOK = `export async function load(url, context, next) {
  const r = await next(url, context);
  if (/\\/uint8-util\\/dist\\/src\\/node\\.js$/.test(url) && r.source) {
    const src = String(r.source).replace('export const arr2hex = (data) =>', 'export const arr2hex = (data) => typeof data === "string" ? data :');
    return { ...r, source: src };
  }
  return r;
}`;

let hooked = false;
// A real dynamic import (tsc would turn `import()` into `require()` in this CommonJS build).
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default?: unknown }>;

/** Imports an ES-module-only file (absolute path) through Node's ESM loader; returns its default export. */
async function importFile<T>(path: string): Promise<T> {
  if (!hooked) {
    register(`data:text/javascript,${encodeURIComponent(ARR2HEX_HOOK)}`);
    hooked = true;
  }
  const mod = await dynamicImport(pathToFileURL(path).href);
  return (mod.default ?? mod) as T;
}

function webtorrentDir(): string {
  return dirname(require.resolve('webtorrent'));
}

/** The webtorrent client class. */
export function importWebTorrent<T>(): Promise<T> {
  return importFile<T>(require.resolve('webtorrent'));
}

/** A dependency of webtorrent that only exports an `import` condition (fs-chunk-store), found next to webtorrent. */
export function importWebtorrentDependency<T>(name: string, entry = 'index.js'): Promise<T> {
  const wtDir = webtorrentDir();
  for (const candidate of [join(wtDir, 'node_modules', name, entry), join(dirname(wtDir), name, entry)]) {
    if (existsSync(candidate)) return importFile<T>(candidate);
  }
  throw new Error(`cannot find ${name} (a webtorrent dependency) near ${wtDir}; reinstall with npm ci`);
}
