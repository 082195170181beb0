import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** Environment that points a Keyseed process at this bucket. */
  env: Record<string, string>;
  /** From now on, part uploads (from part 2) to keys matching `keyPattern` fail with a 500; '' stops it. */
  failParts(keyPattern: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the loopback S3-compatible server of test/s3/s3-server.mjs in its own process;
 * `partDelayMs` slows every multipart part upload (to stop a writer mid-upload).
 */
export async function startS3Server(bucket = 'keyseed', opts: { partDelayMs?: number } = {}): Promise<TestS3Server> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, '../s3/s3-server.mjs'), bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, S3_TEST_PART_DELAY_MS: String(opts.partDelayMs ?? 0) },
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`S3 test server exited with ${String(code)}`);
    }),
  ])) as [string];
  const { endpoint } = JSON.parse(first) as { endpoint: string };
  return {
    endpoint,
    bucket,
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'test',
      S3_SECRET_ACCESS_KEY: 'test',
      S3_FORCE_PATH_STYLE: 'true',
    },
    async failParts(keyPattern: string) {
      const res = await fetch(`${endpoint}/__test/fail-parts?key=${encodeURIComponent(keyPattern)}`, {
        method: 'POST',
      });
      if (res.status !== 204) throw new Error(`S3 test server refused the fault: ${res.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
