import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Loads a file of an ES-module-only package (`exports: { import }`) from this CommonJS build.
 *
 * `require('<pkg>')` cannot resolve such a package (ERR_PACKAGE_PATH_NOT_EXPORTED), but Node ≥ 20.19
 * does `require()` an ES module given by file path, synchronously, as long as its graph has no
 * top-level await. So the package directory is located along Node's own search path and the entry
 * file required; the module's default export (or the namespace) is returned. Under Jest the same
 * require goes through swc, which compiles the packages listed in jest.config.js (ESM_PACKAGES).
 *
 * `near`: a package whose own `node_modules` (and siblings) are searched first, for a dependency
 * installed next to it rather than at the top (webtorrent's fs-chunk-store).
 */
export function requireEsm<T>(pkg: string, entry = 'index.js', near?: string): T {
  const candidates: string[] = [];
  if (near) {
    const nearDir = dirname(require.resolve(near));
    candidates.push(join(nearDir, 'node_modules', pkg, entry), join(dirname(nearDir), pkg, entry));
  }
  for (const dir of require.resolve.paths(pkg) ?? []) candidates.push(join(dir, pkg, entry));
  const file = candidates.find((c) => existsSync(c));
  if (!file) throw new Error(`the "${pkg}" package is not installed (looked for ${entry}); reinstall with npm ci`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { default?: T } & T;
  return mod.default ?? mod;
}
