import { parentPort } from 'node:worker_threads';
import { allocReadBuffer, HashJob, runHashJob } from './hash-job';

/** Worker thread of the hash pool: hashes jobs it is sent, reports progress per read. */
let buf: Buffer | null = null;

parentPort?.on('message', (job: HashJob) => {
  if (!buf || buf.length < job.pieceLength) buf = allocReadBuffer(job.pieceLength);
  try {
    const result = runHashJob(job, buf, (n) => parentPort!.postMessage({ type: 'progress', bytes: n }));
    // Results are small (52 bytes a piece): copied, never transferred (they may share Buffer's pool).
    parentPort!.postMessage({ type: 'done', result });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', id: job.id, message: (err as Error).message });
  }
});
