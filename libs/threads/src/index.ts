import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A worker-thread program under Jest or ts tooling (TypeScript sources): a worker cannot load `.ts`
 * and Jest's transform does not reach inside it, so the thread boots this small CommonJS program
 * instead: a require hook compiling `.ts` with swc (a dev dependency) and mapping `@keyseed/<lib>`
 * to `libs/<lib>/src` like jest.config.js does, then requires the program. Same code path as the
 * compiled build either way.
 */
const DEV_BOOTSTRAP = `
const Module = require('node:module');
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const root = workerData.devRoot;
const swc = Module.createRequire(path.join(root, 'package.json'))('@swc/core');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@keyseed\\/([a-z-]+)(?:\\/(.*))?$/.exec(request);
  if (m) request = path.join(root, 'libs', m[1], 'src', m[2] || '');
  return resolveFilename.call(this, request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformFileSync(filename, {
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(workerData.devEntry);
`;

/** What `new Worker(filename, { eval, workerData })` needs to run a program; merge your own workerData into `workerData`. */
export interface ThreadProgram {
  filename: string;
  eval: boolean;
  workerData: Record<string, string>;
}

/**
 * The program `<dir>/<name>.js` (the compiled build: production, CI after `npm run build`) or, from
 * TypeScript sources, `<dir>/<name>.ts` booted through DEV_BOOTSTRAP. `dir` is the caller's `__dirname`.
 */
export function threadProgram(dir: string, name: string): ThreadProgram {
  const compiled = join(dir, `${name}.js`);
  if (__filename.endsWith('.js') && existsSync(compiled)) return { filename: compiled, eval: false, workerData: {} };
  return {
    filename: DEV_BOOTSTRAP,
    eval: true,
    workerData: { devEntry: join(dir, `${name}.ts`), devRoot: resolve(__dirname, '../../..') },
  };
}
