// Three tiers, one runner: unit specs live next to the code (*.spec.ts), integration and e2e
// suites under test/ (*.int-spec.ts, *.e2e-spec.ts). globalSetup gives every run its own
// PostgreSQL database and Redis key prefix and removes them afterwards.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// NestJS 12, bencode, bittorrent-tracker and tus ship ES modules only; Jest (unlike Node 20.19+)
// cannot require() them, so those packages are compiled to CommonJS by swc as well.
const ESM_PACKAGES = [
  '@nestjs',
  'bencode',
  'bittorrent-tracker',
  '@tus',
  'uint8-util',
  'bittorrent-peerid',
  'compact2string',
  'string2compact',
  'ip-set',
  'random-iterate',
  'run-parallel',
  'run-series',
  'queue-microtask',
  'unordered-array-remove',
  'lru',
  'cross-fetch-ponyfill',
  'webrtc-polyfill',
  '@thaunknown',
  'chrome-dgram',
  'file-type',
  'strtok3',
  'token-types',
  'peek-readable',
  'uint8array-extras',
  '@tokenizer',
  'srvx',
  'webtorrent',
  'parse-torrent',
  'create-torrent',
  'magnet-uri',
  'bep53-range',
  'streamx',
  'addr-to-ip-port',
  '@apidevtools/json-schema-ref-parser',
  '@noble',
];
const swcJs = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

const moduleNameMapper = {
  '^@keyseed/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@keyseed/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, '^.+\\.m?js$': swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper,
  resolver: '<rootDir>/test/setup/esm-only-resolver.js',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Fault and concurrency suites (*.fault-spec.ts) are not in this regex: `npm test` runs them after this
  // run, one at a time (--runInBand; `npm run test:fault` alone), because their process kills, backend
  // terminations and CPU-heavy platforms starve the suites that would run beside them.
  testRegex: '.*\\.(spec|int-spec|e2e-spec|browser-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
  // A client that keeps reconnecting after a suite (Redis, a BitTorrent session) must never hang CI.
  forceExit: true,
};
