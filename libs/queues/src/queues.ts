/** Every queue of the platform, in one place (api enqueues, worker processes). */
export enum QueueName {
  Ingest = 'ingest',
  Publish = 'publish',
  Housekeeping = 'housekeeping',
}

export interface IngestJob {
  itemId: string;
}

export interface PublishJob {
  bundleId: string;
}

export type HousekeepingJob = { kind: 'reconcile-orders' } | { kind: 'expire-uploads' };

export interface JobPayloads {
  [QueueName.Ingest]: IngestJob;
  [QueueName.Publish]: PublishJob;
  [QueueName.Housekeeping]: HousekeepingJob;
}

/** Stable job ids make duplicates collapse: one ingest per item, one publish per bundle. */
export const jobId = {
  ingest: (itemId: string) => `ingest-${itemId}`,
  publish: (bundleId: string) => `publish-${bundleId}`,
};

/** Progress reported by ingest jobs, mirrored on the item row for the API. */
export interface IngestProgress {
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
}
