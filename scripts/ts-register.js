// Lets plain `node` run the TypeScript sources without a build (`node -r ./scripts/ts-register.js
// file.ts`: the worker in the ingest crash test, the kek CLI test, the benches). Compiles `.ts`
// with swc like jest.config.js and maps `@keyseed/<lib>` to `libs/<lib>/src`. ESM-only packages (@nestjs 12, bencode) load natively (Node >= 20.19).
const Module = require('node:module');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '..');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@keyseed\/([a-z-]+)(?:\/(.*))?$/.exec(request);
  if (m) request = path.join(root, 'libs', m[1], 'src', m[2] || '');
  return resolveFilename.call(this, request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformFileSync(filename, {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
