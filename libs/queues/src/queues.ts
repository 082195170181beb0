import type { JobsOptions } from 'bullmq';
import type { MailMessage } from './mail-messages';

/** Every queue of the platform, in one place (api enqueues, worker processes). */
export enum QueueName {
  Ingest = 'ingest',
  Publish = 'publish',
  Housekeeping = 'housekeeping',
  Mail = 'mail',
}

/** Ingest of one item's upload: `generation` is the item's `ingestGeneration` the upload produced. */
export interface IngestJob {
  itemId: string;
  generation: number;
}

export interface PublishJob {
  bundleId: string;
}

/** One e-mail: the outbox row (`MailMessage` table) it was recorded as, and the message itself. */
export type MailJob = MailMessage & { messageId: string };

export type HousekeepingJob =
  | { kind: 'reconcile-orders' }
  | { kind: 'expire-uploads' }
  | { kind: 'backfill-piece-roots' }
  | { kind: 'announce-releases' };

export interface JobPayloads {
  [QueueName.Ingest]: IngestJob;
  [QueueName.Publish]: PublishJob;
  [QueueName.Housekeeping]: HousekeepingJob;
  [QueueName.Mail]: MailJob;
}

/** Queues whose jobs are enqueued one by one for a database row (housekeeping runs on schedules). */
export type WorkQueue = QueueName.Ingest | QueueName.Publish | QueueName.Mail;

/**
 * Stable job ids, built from the payload, so duplicates collapse and a lost job is re-created under
 * the same id: one ingest per item and upload generation (a re-upload gets a fresh job even while
 * BullMQ still keeps the previous one), one publish per bundle, one mail per outbox row (and the row
 * is unique per fact, e.g. `purchase-receipt:<orderId>`, so a duplicated webhook sends one receipt).
 */
export const jobId = {
  ingest: (job: IngestJob): string => `ingest-${job.itemId}-g${job.generation}`,
  publish: (job: PublishJob): string => `publish-${job.bundleId}`,
  mail: (job: Pick<MailJob, 'messageId'>): string => `mail-${job.messageId}`,
};

const INGEST_JOB_ID = /^ingest-([0-9a-f-]{36})-g(\d+)$/;

/** The payload an ingest job id names (the inverse of `jobId.ingest`); null for any other id. */
export function parseIngestJobId(id: string | undefined): IngestJob | null {
  const m = INGEST_JOB_ID.exec(id ?? '');
  return m ? { itemId: m[1], generation: Number(m[2]) } : null;
}

/**
 * The generation an ingest job is for: from its payload, or from its id for jobs queued before the
 * payload carried it.
 */
export function ingestGenerationOf(job: { id?: string; data: Partial<IngestJob> }): number | null {
  return typeof job.data.generation === 'number' ? job.data.generation : (parseIngestJobId(job.id)?.generation ?? null);
}

/** Retry policy of a work queue's jobs: `attempts` tries, exponential backoff from `retryDelayMs`. */
export function workJobOptions(retryDelayMs: number): JobsOptions {
  return { attempts: 3, backoff: { type: 'exponential', delay: retryDelayMs } };
}

/**
 * Retry policy of e-mails: an SMTP server that is down for a while (up to about an hour with the
 * default MAIL_RETRY_DELAY_MS) delays mail instead of losing it; 8 tries, exponential backoff.
 */
export function mailJobOptions(retryDelayMs: number): JobsOptions {
  return { attempts: 8, backoff: { type: 'exponential', delay: retryDelayMs } };
}

/** Progress reported by ingest jobs, mirrored on the item row for the API. */
export interface IngestProgress {
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
}
