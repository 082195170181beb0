import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { CryptoError, CryptoErrorCode } from '@keyseed/crypto';
import { threadProgram } from '@keyseed/threads';
import { settleInSlices } from '../common/turn-slices';

/** What the seal thread starts with. */
export interface SealThreadData {
  /** Ephemeral pairs it keeps made ahead (EPHEMERAL_KEY_POOL). */
  poolCapacity: number;
}

export interface SealJob {
  /** The device's public key as stored (base64url), validated when it was registered or by the caller. */
  publicKey: string;
  licenseId: string;
  deviceId: string;
  /** The payload, moved to the thread (transferred, not copied) and zeroed there once sealed. */
  payload: ArrayBuffer;
  /** Warm-up only: the device key is not kept in the thread's cache. */
  transient?: true;
}

export interface SealBatch {
  batch: number;
  jobs: SealJob[];
}

/** A seal that failed: the CryptoError's code (null for any other error) and message. */
export interface SealFailure {
  code: CryptoErrorCode | null;
  message: string;
}

/** The thread's answers: a batch's bodies in its jobs' order, or the news that its pool is full. */
export type SealThreadMessage = { batch: number; bodies: (string | SealFailure)[] } | { poolFull: number };

interface Waiting {
  resolve: (body: string) => void;
  reject: (err: unknown) => void;
}

/**
 * Seals key sets on a worker thread (`seal-thread.ts`; docs/architecture.md, the release minute):
 * the seal's X25519 agreement, HKDF, AES-GCM, the device-key import and the JSON are a quarter of
 * the API's event-loop time in a premiere's burst (BENCHMARKS.md, premiere, session 11), and on a
 * machine with a second core they need not wait for the loop nor hold it. The seals asked in one
 * turn of the event loop go to the thread in one message; their callers are answered
 * CALLERS_PER_TURN per turn. The thread also makes the ephemeral pairs ahead (EPHEMERAL_KEY_POOL)
 * while no seal comes. If it stops, the seals it held fail (500) and the next seal starts another.
 */
@Injectable()
export class Sealer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('keys');
  private thread: Worker | null = null;
  private jobs: SealJob[] = [];
  private waiting: Waiting[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private nextBatch = 0;
  private readonly sent = new Map<number, Waiting[]>();

  constructor(@Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig) {}

  /** Started with the module, so its pool fills before the API takes requests. */
  onModuleInit(): void {
    this.running();
  }

  async onApplicationShutdown(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    await thread?.terminate();
  }

  /**
   * The SealedKeySet of `payload` (its chunks in order) for the device, as JSON text. The chunks
   * are copied once and the copy moved to the thread, so a caller's buffers (a cached payload
   * fragment) stay its own.
   */
  seal(
    publicKey: string,
    licenseId: string,
    deviceId: string,
    payload: readonly Uint8Array[],
    transient?: true,
  ): Promise<string> {
    // Its own ArrayBuffer (not a slice of Node's shared pool): only a whole one can be transferred.
    const copy = Buffer.allocUnsafeSlow(payload.reduce((n, chunk) => n + chunk.length, 0));
    let at = 0;
    for (const chunk of payload) {
      copy.set(chunk, at);
      at += chunk.length;
    }
    return new Promise<string>((resolve, reject) => {
      this.jobs.push({ publicKey, licenseId, deviceId, payload: copy.buffer, ...(transient && { transient }) });
      this.waiting.push({ resolve, reject });
      this.scheduled ??= setImmediate(() => this.send());
    });
  }

  private send(): void {
    this.scheduled = null;
    const { jobs, waiting } = this;
    this.jobs = [];
    this.waiting = [];
    const batch = this.nextBatch++;
    this.sent.set(batch, waiting);
    const message: SealBatch = { batch, jobs };
    this.running().postMessage(
      message,
      jobs.map((job) => job.payload),
    );
  }

  private answer(message: SealThreadMessage): void {
    if ('poolFull' in message) {
      this.logger.log({ event: 'keys.ephemeral_pool_full', pairs: message.poolFull });
      return;
    }
    const waiting = this.sent.get(message.batch);
    if (!waiting) return;
    this.sent.delete(message.batch);
    void settleInSlices(waiting, (w, i) => {
      const body = message.bodies[i];
      if (typeof body === 'string') w.resolve(body);
      else w.reject(body.code ? new CryptoError(body.code, body.message) : new Error(body.message));
    });
  }

  private running(): Worker {
    if (this.thread) return this.thread;
    const program = threadProgram(__dirname, 'seal-thread');
    const workerData: SealThreadData & Record<string, unknown> = {
      ...program.workerData,
      poolCapacity: this.config.EPHEMERAL_KEY_POOL,
    };
    const thread = new Worker(program.filename, { eval: program.eval, workerData });
    thread.unref(); // the server keeps the process alive; the thread alone must not
    thread.on('message', (message: SealThreadMessage) => this.answer(message));
    thread.on('error', (err) => this.stopped(thread, err));
    thread.on('exit', (code) => this.stopped(thread, new Error(`exited with code ${code}`)));
    this.thread = thread;
    return thread;
  }

  /** The thread failed or exited: the seals it held fail; the next seal starts a new one. */
  private stopped(thread: Worker, err: Error): void {
    if (this.thread !== thread) return; // shut down, or already replaced
    this.thread = null;
    this.logger.error({ event: 'keys.seal_thread_stopped', error: err.message, pending: this.sent.size });
    const failure = new Error(`the seal thread stopped before sealing: ${err.message}`);
    for (const waiting of this.sent.values()) for (const w of waiting) w.reject(failure);
    this.sent.clear();
  }
}
