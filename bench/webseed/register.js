// Runs the bench straight from TypeScript (no build step): swc compiles each .ts file on require
// like jest.config.js does, and `@keyseed/<lib>[/<path>]` resolves to libs/<lib>/src[/<path>].
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { transformSync } = require('@swc/core');

const root = resolve(__dirname, '../..');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@keyseed\/([a-z-]+)(?:\/(.*))?$/.exec(request);
  if (m) request = join(root, 'libs', m[1], 'src', m[2] || '');
  return resolveFilename.call(this, request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
