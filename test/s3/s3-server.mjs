// An S3-compatible server on loopback for tests and benchmarks: fauxqs (npm), which of what installs
// here honours multipart uploads (5 MiB minimum part, multipart ETags), ranged GETs and conditional
// GETs most faithfully (see BENCHMARKS.md "scale" for the comparison with s3rver). Its 1.x line (the
// last for Node 20) lacks ListParts and ListMultipartUploads; they are added below from its own
// store, because tus resumes with ListParts and tests check that failed writes leave no upload behind.
//
// Usage: node test/s3/s3-server.mjs <bucket>  → prints {"endpoint": "...", "bucket": "..."} on stdout.
// S3_TEST_PART_DELAY_MS delays every UploadPart answer, so tests can stop a process mid-upload.
// `POST /__test/fail-parts?key=<regex>` makes UploadPart fail (500) from part 2 on for matching keys:
// a writer whose upload breaks after it stored a part (empty regex: no more failures).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The package exports only its entry point; its store classes are loaded by file path.
const root = createRequire(import.meta.url)
  .resolve.paths('fauxqs')
  .map((dir) => join(dir, 'fauxqs'))
  .find((dir) => existsSync(join(dir, 'dist/app.js')));
const { buildApp } = await import(join(root, 'dist/app.js'));
const { S3Store } = await import(join(root, 'dist/s3/s3Store.js'));
const { SqsStore } = await import(join(root, 'dist/sqs/sqsStore.js'));
const { SnsStore } = await import(join(root, 'dist/sns/snsStore.js'));

const bucket = process.argv[2] ?? 'keyseed';
const s3Store = new S3Store();
const app = buildApp({ logger: false, stores: { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store } });

const xml = (s) => String(s).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const uploadsOf = (name) =>
  [...s3Store.multipartUploads.values()].filter((u) => u.bucket === name).sort((a, b) => a.key.localeCompare(b.key));

const partDelayMs = Number(process.env.S3_TEST_PART_DELAY_MS ?? 0);
let failParts = null;
app.addHook('onRequest', async (request, reply) => {
  const url = new URL(request.url, 'http://s3');
  if (request.method === 'POST' && url.pathname === '/__test/fail-parts') {
    const key = url.searchParams.get('key') ?? '';
    failParts = key ? new RegExp(key) : null;
    return reply.code(204).send();
  }
  if (request.method === 'PUT' && url.searchParams.has('partNumber')) {
    if (partDelayMs) await new Promise((r) => setTimeout(r, partDelayMs));
    const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
    if (failParts?.test(key) && Number(url.searchParams.get('partNumber')) >= 2) {
      reply.code(500).type('application/xml');
      return reply.send('<Error><Code>InternalError</Code><Message>injected by the test</Message></Error>');
    }
  }
  if (request.method !== 'GET') return;
  const [, name, ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (url.searchParams.has('uploadId') && key) {
    const upload = s3Store.multipartUploads.get(url.searchParams.get('uploadId'));
    if (!upload || upload.key !== key) {
      reply.code(404).type('application/xml');
      return reply.send(
        '<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>',
      );
    }
    const after = Number(url.searchParams.get('part-number-marker') ?? 0);
    const parts = [...upload.parts.values()]
      .filter((p) => p.partNumber > after)
      .sort((a, b) => a.partNumber - b.partNumber);
    reply.type('application/xml');
    return reply.send(
      `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><Bucket>${xml(name)}</Bucket><Key>${xml(key)}</Key>` +
        `<UploadId>${xml(upload.uploadId)}</UploadId><IsTruncated>false</IsTruncated>` +
        parts
          .map(
            (p) =>
              `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${xml(p.etag)}</ETag><Size>${p.body.length}</Size>` +
              `<LastModified>${p.lastModified.toISOString()}</LastModified></Part>`,
          )
          .join('') +
        '</ListPartsResult>',
    );
  }
  if (url.searchParams.has('uploads') && !key) {
    const prefix = url.searchParams.get('prefix') ?? '';
    reply.type('application/xml');
    return reply.send(
      `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${xml(name)}</Bucket>` +
        '<IsTruncated>false</IsTruncated>' +
        uploadsOf(name)
          .filter((u) => u.key.startsWith(prefix))
          .map(
            (u) =>
              `<Upload><Key>${xml(u.key)}</Key><UploadId>${xml(u.uploadId)}</UploadId>` +
              `<Initiated>${u.initiated.toISOString()}</Initiated></Upload>`,
          )
          .join('') +
        '</ListMultipartUploadsResult>',
    );
  }
});

s3Store.createBucket(bucket);
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.S3_TEST_PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ endpoint: address, bucket })}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => app.close().then(() => process.exit(0)));
