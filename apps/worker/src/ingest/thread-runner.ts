import { Worker } from 'node:worker_threads';
import { threadProgram } from '@keyseed/threads';
import type { ThreadMessage, ThreadTask } from './ingest-thread';

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
  const program = threadProgram(__dirname, 'ingest-thread');
  const worker = new Worker(program.filename, {
    eval: program.eval,
    workerData: { ...program.workerData, ingestTask: task },
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
