import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Dirent, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PrismaService } from '@keyseed/database';
import { itemPublishedKey, manifestKey, torrentKey, tusUploadDirectory } from '@keyseed/storage';

/** States an item may rest in once nothing is running for it. */
const SETTLED_ITEM = new Set(['AWAITING_UPLOAD', 'READY', 'FAILED']);
/** Bundle states that hold a published torrent. */
const LIVE_BUNDLE = new Set(['PUBLISHED', 'UNLISTED']);

export interface InvariantScope {
  /** The data directory the processes under test use (it must be theirs alone); unused with `s3`. */
  dataDir: string;
  /** With the S3 driver: the bucket the processes under test use (theirs alone) instead of the disk. */
  s3?: { client: S3Client; bucket: string };
  /** Bundles the test made; every file under dataDir must belong to one of them. */
  bundleIds: string[];
}

/**
 * Each file and directory under `dir` with its mode (permission bits) and size. The platform keeps
 * running while this reads (an answered upload's tus copy is released just after the answer), so
 * what vanishes meanwhile is skipped.
 */
export function walk(dir: string): Array<{ path: string; dir: boolean; mode: number; size: number }> {
  const out: Array<{ path: string; dir: boolean; mode: number; size: number }> = [];
  const visit = (d: string) => {
    for (const e of readdirOrEmpty(d)) {
      const p = join(d, e.name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      out.push({ path: relative(dir, p), dir: st.isDirectory(), mode: st.mode & 0o777, size: st.size });
      if (st.isDirectory()) visit(p);
    }
  };
  visit(dir);
  return out;
}

/** Every object of the bucket with its size, and its unfinished multipart uploads. */
export async function bucketContents(s3: { client: S3Client; bucket: string }) {
  const objects = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) objects.set(o.Key, o.Size ?? 0);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  return { objects, multipartUploads: (uploads.Uploads ?? []).map((u) => u.Key ?? '?') };
}

/**
 * The one statement of "converged" that the fault and concurrency suites share; returns every
 * violation found (an empty list when the system is consistent):
 * - every item of the scope rests: READY, FAILED with a reason, or AWAITING_UPLOAD (no upload made);
 *   never QUEUED, INGESTING, or UPLOADING without an upload in progress;
 * - no bundle is stuck PUBLISHING; a PUBLISHED or UNLISTED bundle has items, all READY, its
 *   info-hashes and torrent;
 * - a READY item's published file exists with its size; a bundle that was ever published keeps no
 *   plaintext (no completed upload, no upload in progress, no staging file, no uploadKey);
 * - every file under the data directory belongs to a row that still exists (deleted items,
 *   bundles and uploads leave nothing; a published file is an item's under its current name), and
 *   is 0600 in 0700 directories; with S3, every object of the bucket belongs to a row and no
 *   multipart upload is left unfinished.
 */
export async function invariantViolations(prisma: PrismaService, scope: InvariantScope): Promise<string[]> {
  const problems: string[] = [];
  const bundles = await prisma.bundle.findMany({
    where: { id: { in: scope.bundleIds } },
    include: { items: { include: { uploads: true } }, uploads: true },
  });
  const bucket = scope.s3 ? await bucketContents(scope.s3) : null;
  const blobs = join(scope.dataDir, 'blobs');
  const blobSize = (key: string) => (bucket ? (bucket.objects.get(key) ?? null) : sizeOf(join(blobs, key)));
  const liveItems = new Set<string>();
  const liveUploads = new Set<string>();
  for (const b of bundles) {
    if (b.status === 'PUBLISHING') problems.push(`bundle ${b.slug} is stuck PUBLISHING`);
    const everPublished = b.infoHashV1 !== null;
    if (LIVE_BUNDLE.has(b.status)) {
      if (!b.items.length) problems.push(`bundle ${b.slug} is ${b.status} with no items`);
      if (!b.infoHashV1 || !b.infoHashV2) problems.push(`bundle ${b.slug} is ${b.status} without info-hashes`);
      if (blobSize(torrentKey(b.id, b.slug)) === null)
        problems.push(`bundle ${b.slug} is ${b.status} without its torrent`);
    }
    for (const u of b.uploads) {
      liveUploads.add(u.id);
      if (everPublished && !u.completedAt) problems.push(`published bundle ${b.slug} keeps upload ${u.id} in progress`);
    }
    for (const i of b.items) {
      liveItems.add(i.id);
      const inProgress = i.uploads.some((u) => !u.completedAt && u.expiresAt > new Date());
      if (LIVE_BUNDLE.has(b.status) && i.status !== 'READY')
        problems.push(`bundle ${b.slug} is ${b.status} but item ${i.path} is ${i.status}`);
      if (!SETTLED_ITEM.has(i.status) && !(i.status === 'UPLOADING' && inProgress))
        problems.push(`item ${i.path} of ${b.slug} is stuck ${i.status}`);
      if (i.status === 'FAILED' && !i.failureReason)
        problems.push(`item ${i.path} of ${b.slug} FAILED without a reason`);
      if (i.status === 'READY') {
        const file = itemPublishedKey(b.id, i);
        const size = blobSize(file);
        if (size !== Number(i.size))
          problems.push(
            `READY item ${i.path} of ${b.slug}: published file ${size === null ? 'missing' : `has ${size} bytes, not ${i.size}`}`,
          );
      }
      if (everPublished && i.uploadKey)
        problems.push(`published bundle ${b.slug}: item ${i.path} still points at its plaintext`);
    }
  }

  const tusDir = bucket ? 'tus' : relative(scope.dataDir, tusUploadDirectory(scope.dataDir));
  const files = bucket
    ? [...bucket.objects.keys()].map((key) => ({ path: `blobs/${key}`, dir: false, mode: 0o600 }))
    : walk(scope.dataDir);
  for (const key of bucket?.multipartUploads ?? []) problems.push(`multipart upload of ${key} left unfinished`);
  for (const f of files) {
    const wantMode = f.dir ? 0o700 : 0o600;
    if (f.mode !== wantMode) problems.push(`${f.path} is ${f.mode.toString(8)}, not ${wantMode.toString(8)}`);
    if (f.dir) continue;
    const parts = bucket && f.path.startsWith('blobs/tus/') ? f.path.split('/').slice(1) : f.path.split('/');
    if (parts[0] === tusDir) {
      const id = parts[1].replace(/\.json$/, '');
      if (!liveUploads.has(id)) problems.push(`${f.path} belongs to no upload`);
      const bundle = bundles.find((b) => b.uploads.some((u) => u.id === id));
      if (bundle?.infoHashV1) problems.push(`${f.path}: plaintext of published bundle ${bundle.slug}`);
    } else if (parts[0] === 'blobs' && (parts[1] === 'uploads' || parts[1] === 'staging')) {
      const item = bundles.flatMap((b) => b.items.map((i) => ({ b, i }))).find((x) => x.i.id === parts[2]);
      if (!item || !liveItems.has(parts[2])) problems.push(`${f.path} belongs to no item`);
      else if (item.b.infoHashV1) problems.push(`${f.path}: plaintext of published bundle ${item.b.slug}`);
    } else if (parts[0] === 'blobs' && (parts[1] === 'published' || parts[1] === 'torrents')) {
      const bundle = bundles.find((b) => b.id === parts[2]);
      if (!bundle) problems.push(`${f.path} belongs to no bundle`);
      else if (
        parts[1] === 'published' &&
        !bundle.items.some((i) => `blobs/${itemPublishedKey(bundle.id, i)}` === f.path) &&
        `blobs/${manifestKey(bundle.id)}` !== f.path
      )
        problems.push(`${f.path} is the published file of no item of ${bundle.slug}`);
    }
  }
  return problems;
}

/** Rows that mean work is still running for the scope's bundles (wait for none before checking invariants). */
export async function pendingWork(prisma: PrismaService, bundleIds: string[]): Promise<string[]> {
  const [items, bundles] = await Promise.all([
    prisma.item.findMany({
      where: { bundleId: { in: bundleIds }, status: { in: ['QUEUED', 'INGESTING'] } },
      select: { path: true, status: true },
    }),
    prisma.bundle.findMany({ where: { id: { in: bundleIds }, status: 'PUBLISHING' }, select: { slug: true } }),
  ]);
  return [...items.map((i) => `item ${i.path} ${i.status}`), ...bundles.map((b) => `bundle ${b.slug} PUBLISHING`)];
}

/** Waits until no work is pending for the scope, then returns the invariant violations. */
export async function converged(prisma: PrismaService, scope: InvariantScope, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await pendingWork(prisma, scope.bundleIds);
    if (!pending.length) return invariantViolations(prisma, scope);
    if (Date.now() > deadline) return [`not converged after ${timeoutMs} ms: ${pending.join(', ')}`];
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readdirOrEmpty(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function sizeOf(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}
