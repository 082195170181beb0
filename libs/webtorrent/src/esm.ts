import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// webtorrent 2.8.5 needs uint8-util 2.2.x (pinned in package.json `overrides`): 2.3's arr2hex
// throws on the hex string webtorrent passes it when adding a torrent.

// A real dynamic import (tsc would turn `import()` into `require()` in this CommonJS build).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const dynamicImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ default?: unknown }>;

/** Imports an ES-module-only file (absolute path) through Node's ESM loader; returns its default export. */
async function importFile<T>(path: string): Promise<T> {
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
