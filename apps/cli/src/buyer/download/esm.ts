/**
 * Loads an ES-module-only package from this CommonJS build (Node ≥ 20.19 `require(esm)`; under
 * Jest, swc has compiled it to CommonJS). Returns its default export when it has one.
 */
export function loadEsm<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(name) as { default?: T } & T;
  return (mod.default ?? mod) as T;
}
