import { parentPort, workerData } from 'node:worker_threads';
import { CryptoError, EphemeralKeyPool, importRegisteredDevicePublicKey, sealPayload } from '@keyseed/crypto';
import { DeviceKeyCache } from './device-key-cache';
import type { SealBatch, SealFailure, SealThreadData, SealThreadMessage } from './sealer';

/**
 * The API's seal thread (Sealer, docs/architecture.md, the release minute): seals the payloads the
 * event loop sends, a batch per message, and makes ephemeral pairs ahead while no batch has come
 * for IDLE_MS. Holds the imported device keys (DeviceKeyCache) and the pairs (EphemeralKeyPool);
 * never a content key beyond the payload it is sealing, which it zeroes once sealed.
 */

/** No batch for this long: the API is quiet, pairs are made. */
const IDLE_MS = 25;
/** Pairs made per turn of the thread's loop while refilling (≈ 100 µs a pair): a batch waits at most about this. */
const PAIRS_PER_TURN = 16;

const { poolCapacity } = workerData as SealThreadData;
const port = parentPort!;
const pool = new EphemeralKeyPool(poolCapacity);
const devices = new DeviceKeyCache();
let idle: NodeJS.Timeout | null = null;
let refilling: NodeJS.Immediate | null = null;
let reportedFull = false;

port.on('message', (batch: SealBatch) => {
  if (idle) clearTimeout(idle);
  if (refilling) clearImmediate(refilling);
  refilling = null;
  const bodies = batch.jobs.map((job): string | SealFailure => {
    const payload = Buffer.from(job.payload);
    try {
      const device = job.transient ? importRegisteredDevicePublicKey(job.publicKey) : devices.get(job.publicKey);
      return JSON.stringify(sealPayload(device, job.licenseId, job.deviceId, payload, { ephemeral: pool.take() }));
    } catch (err) {
      if (err instanceof CryptoError) return { code: err.code, message: err.message };
      return { code: null, message: (err as Error).message };
    } finally {
      payload.fill(0);
    }
  });
  port.postMessage({ batch: batch.batch, bodies } satisfies SealThreadMessage);
  idle = setTimeout(refill, IDLE_MS);
});

function refill(): void {
  idle = null;
  refilling = null;
  if (pool.fill(PAIRS_PER_TURN) > 0) refilling = setImmediate(refill);
  else if (!reportedFull && pool.capacity > 0) {
    reportedFull = true;
    port.postMessage({ poolFull: pool.size } satisfies SealThreadMessage);
  }
}

idle = setTimeout(refill, IDLE_MS);
