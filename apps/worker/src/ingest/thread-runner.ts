import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ThreadMessage, ThreadTask } from './ingest-thread';

/**
 * How a worker thread gets its code. From `dist` (production, CI after `npm run build`) it is the
 * compiled `ingest-thread.js` next to this file. From TypeScript sources (Jest, ts tooling) a worker
 * cannot load `.ts` and Jest's transform does not reach inside it, so the thread boots this small
 * CommonJS program instead: a require hook compiling `.ts` with swc (a dev dependency) and mapping
 * `@keyseed/<lib>` to `libs/<lib>/src` like jest.config.js does. Same code path either way.
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

function threadScript(): { script: string; eval: boolean; extra: Record<string, string> } {
  const compiled = join(__dirname, 'ingest-thread.js');
  if (__filename.endsWith('.js') && existsSync(compiled)) return { script: compiled, eval: false, extra: {} };
  const devEntry = join(__dirname, 'ingest-thread.ts');
  return { script: DEV_BOOTSTRAP, eval: true, extra: { devEntry, devRoot: resolve(__dirname, '../../../..') } };
}

/**
 * The hot loop keeps no JS state beyond a few Buffers, but every `cipher.update`/`hash` result is a
 * fresh external ArrayBuffer that only a GC frees. A small young generation makes scavenges frequent
 * (each costs microseconds: almost nothing survives), so dead outputs do not pile up towards V8's
 * 64 MiB external-memory trigger in every thread. Measured (2 GiB, two threads, standalone): peak RSS
 * 153 MiB with V8's default young generation, 117 MiB with 2 MiB, 115 MiB with 1 MiB; same CPU.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 };

export interface RunningThread<T> {
  result: Promise<T>;
  terminate(): Promise<void>;
}

/** Runs one task on a fresh worker thread; progress messages are forwarded as byte counts. */
export function runInThread<T>(task: ThreadTask, onProgress: (bytes: number) => void): RunningThread<T> {
  const { script, eval: isEval, extra } = threadScript();
  const worker = new Worker(script, {
    eval: isEval,
    workerData: { ...extra, ingestTask: task },
    resourceLimits: RESOURCE_LIMITS,
  });
  let settled = false;
  const result = new Promise<T>((resolvePromise, reject) => {
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') onProgress(m.bytes);
      else if (m.type === 'done') {
        settled = true;
        resolvePromise(m.result as T);
        void worker.terminate();
      } else {
        settled = true;
        reject(new Error(m.message));
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`ingest thread exited with code ${code} before finishing`));
    });
  });
  return {
    result,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
