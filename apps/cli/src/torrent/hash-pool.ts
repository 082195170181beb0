import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocReadBuffer, HashJob, HashJobResult, runHashJob } from './hash-job';

export interface HashPoolOptions {
  /** Worker threads; default: available cores. 1 hashes on the calling thread. */
  threads?: number;
  onProgress?: (bytes: number) => void;
}

/**
 * The compiled worker script, or null when running from TypeScript sources (Jest), where
 * worker threads cannot load `.ts` files; jobs then run on the calling thread.
 */
function workerScript(): string | null {
  if (!__filename.endsWith('.js')) return null;
  const path = join(__dirname, 'hash-worker.js');
  return existsSync(path) ? path : null;
}

/** Run hash jobs on a pool of worker threads (largest first, handed out as threads free up). */
export async function runHashJobs(jobs: HashJob[], options: HashPoolOptions = {}): Promise<HashJobResult[]> {
  const script = workerScript();
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), jobs.length));
  if (jobs.length === 0) return [];
  if (threads === 1 || !script) return runInline(jobs, options);

  const queue = [...jobs];
  const results: HashJobResult[] = [];
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      const next = (w: Worker): void => {
        const job = queue.shift();
        if (!job) {
          if (running === 0) resolve();
          return;
        }
        running++;
        w.postMessage(job);
      };
      for (let i = 0; i < threads; i++) {
        const w = new Worker(script);
        workers.push(w);
        w.on('message', (m: { type: string; bytes?: number; result?: HashJobResult; message?: string }) => {
          if (m.type === 'progress') options.onProgress?.(m.bytes!);
          else if (m.type === 'error') reject(new Error(m.message));
          else {
            results.push(m.result!);
            running--;
            next(w);
          }
        });
        w.on('error', reject);
        next(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

async function runInline(jobs: HashJob[], options: HashPoolOptions): Promise<HashJobResult[]> {
  const buf = allocReadBuffer(Math.max(...jobs.map((j) => j.pieceLength)));
  const results: HashJobResult[] = [];
  for (const job of jobs) {
    results.push(runHashJob(job, buf, options.onProgress));
    await new Promise((r) => setImmediate(r));
  }
  return results;
}
