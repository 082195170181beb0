// Torrent hashes, piece verification, decryption and Range answers of the browser's unlock code,
// against ciphertext and torrents made by the server's own libraries (libs/crypto, libs/torrent).
import { createHash, randomBytes } from 'node:crypto';
import { derivePieceKeys, encryptPieceInto } from '@keyseed/crypto';
import { buildTorrent, hashFileBuffer, toLegacyV1 } from '@keyseed/torrent';
import { importContentKey } from './piece-keys';
import { PieceReader, webseedSource, type CiphertextSource } from './piece-reader';
import { parseRange, rangeResponse } from './range-response';
import { fileHashes, type FileHashes } from './torrent-hashes';
import { verifyPiece } from './piece-verify';
import { PieceRootCheck } from './piece-root';
import type { PlaintextHash } from './plaintext-hash';
import { inThreadUnlock, spanWorkerHandler, workerUnlock, type ToSpanWorker } from './span-unlock';
import {
  SPAN_BUFFERS,
  SPAN_BYTES,
  spanLoader,
  STREAM_SPAN_BYTES,
  verifiedPlaintext,
  writeVerifiedPlaintext,
} from './verified-plaintext';
import { referencePieceRoot } from '../../../../test/helpers/plaintext-piece-root';

const L = 32 * 1024; // two 16 KiB leaves per piece: the last piece's v2 hash has a zero leaf
const SIZE = 5 * L + 20_000;
const PIECES = Math.ceil(SIZE / L);
const ck = randomBytes(32);
const plaintext = randomBytes(SIZE);
const ciphertext = Buffer.alloc(SIZE);
const keys = derivePieceKeys(ck, 0, PIECES - 1);
for (let i = 0; i < PIECES; i++) {
  const piece = plaintext.subarray(i * L, Math.min(SIZE, (i + 1) * L));
  encryptPieceInto(keys.subarray(i * 32, i * 32 + 32), piece, ciphertext.subarray(i * L));
}
const hybrid = buildTorrent({
  name: 'bundle',
  files: [
    { path: 'a-trailer.mp4', hashes: hashFileBuffer(randomBytes(3000), L) },
    { path: 'film.mkv.locked', hashes: hashFileBuffer(ciphertext, L) },
    { path: 'keyseed.json', hashes: hashFileBuffer(Buffer.from('{}'), L) },
  ],
  announce: ['http://k.example/announce'],
  webseeds: ['http://k.example/webseed/'],
  creationDate: null,
}).torrent;
const v1Only = toLegacyV1(hybrid).torrent;

const memorySource =
  (data: Uint8Array, reads: number[] = []): CiphertextSource =>
  async (start, end) => {
    reads.push(start);
    return new Uint8Array(data.subarray(start, end));
  };

async function reader(hashes: FileHashes, data: Uint8Array = ciphertext, reads?: number[]): Promise<PieceReader> {
  return new PieceReader({
    path: 'film.mkv',
    hashes,
    keys: { kind: 'content', contentKey: await importContentKey(ck) },
    source: memorySource(data, reads),
  });
}

describe('torrent hashes and piece verification in the browser', () => {
  it('reads a hybrid torrent: the v2 piece layer and the v1 hashes of a padded file', () => {
    const h = fileHashes(hybrid, 'film.mkv.locked');
    expect(h).toMatchObject({ size: SIZE, pieceLength: L, pieceCount: PIECES, v1LastSpan: L });
    expect(h.pieceLayer?.length).toBe(PIECES * 32);
    expect(h.v1?.length).toBe(PIECES * 20);
    expect(() => fileHashes(hybrid, 'missing.locked')).toThrow(/no file missing\.locked/);
  });

  it.each([
    ['v2 piece layer (hybrid)', () => fileHashes(hybrid, 'film.mkv.locked'), 'v2' as const],
    ['v1 SHA-1 with the pad zeros (v1-only)', () => fileHashes(v1Only, 'film.mkv.locked'), 'v2' as const],
    ['v1 SHA-1 preferred (hybrid, whole-file reads)', () => fileHashes(hybrid, 'film.mkv.locked'), 'v1' as const],
  ])('accepts every true ciphertext piece and refuses an altered one: %s', async (_name, load, prefer) => {
    const h = load();
    const digests: string[] = [];
    const subtle = {
      digest: (alg: string, data: BufferSource) => (digests.push(alg), crypto.subtle.digest(alg, data)),
    } as unknown as SubtleCrypto;
    for (let i = 0; i < PIECES; i++) {
      const piece = ciphertext.subarray(i * L, Math.min(SIZE, (i + 1) * L));
      expect(await verifyPiece(h, i, piece, prefer, subtle)).toBe(true);
      const bad = Buffer.from(piece);
      bad[bad.length - 1] ^= 1;
      expect(await verifyPiece(h, i, bad, prefer, subtle)).toBe(false);
    }
    expect(await verifyPiece(h, 0, ciphertext.subarray(0, L - 1), prefer)).toBe(false);
    // One SHA-1 call per piece, or SHA-256 leaves (two per 32 KiB piece here) for the v2 check.
    expect(new Set(digests)).toEqual(new Set([h.pieceLayer && prefer === 'v2' ? 'SHA-256' : 'SHA-1']));
  });
});

describe('PieceReader and the Range answers the service worker gives', () => {
  it('decrypts verified pieces back to the plaintext', async () => {
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'));
    const parts = [];
    for (let i = 0; i < PIECES; i++) parts.push(await r.piece(i));
    expect(Buffer.concat(parts).equals(plaintext)).toBe(true);
  });

  it('refuses a corrupted ciphertext piece, naming it, and decrypts nothing from it', async () => {
    const damaged = Buffer.from(ciphertext);
    damaged[3 * L + 7] ^= 0xff;
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'), damaged);
    await expect(r.piece(2)).resolves.toHaveLength(L);
    await expect(r.piece(3)).rejects.toMatchObject({
      code: 'CORRUPT_PIECE',
      detail: { piece: 3 },
      message: expect.stringMatching(/^film\.mkv: piece 3 \(bytes 98304–131071\) does not match the torrent's hashes/),
    });
  });

  it('answers a Range request with 206, the exact headers and only the covering pieces fetched', async () => {
    const reads: number[] = [];
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'), ciphertext, reads);
    const res = rangeResponse(r, 'bytes=70000-100000', 'video/x-matroska');
    expect(res.status).toBe(206);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-range': `bytes 70000-100000/${SIZE}`,
      'content-length': '30001',
      'content-type': 'video/x-matroska',
      'accept-ranges': 'bytes',
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(plaintext.subarray(70000, 100001))).toBe(true);
    // Pieces 2 and 3 cover the range; at most one more is read ahead.
    expect(reads.slice(0, 2)).toEqual([2 * L, 3 * L]);
    expect(reads.length).toBeLessThanOrEqual(3);
  });

  it('answers open-ended, suffix and unsatisfiable ranges like an HTTP server', async () => {
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'));
    const tail = rangeResponse(r, `bytes=${SIZE - 10}-`, 'video/mp4');
    expect(tail.headers.get('content-range')).toBe(`bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(plaintext.subarray(SIZE - 10))).toBe(true);
    expect(parseRange('bytes=-100', SIZE)).toEqual({ start: SIZE - 100, end: SIZE - 1 });
    expect(parseRange('bytes=5-2', SIZE)).toBeNull();
    expect(parseRange(null, SIZE)).toBeNull();
    const whole = rangeResponse(r, null, 'video/mp4');
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(plaintext)).toBe(true);
    expect(rangeResponse(r, `bytes=${SIZE}-`, 'video/mp4').status).toBe(416);
  });

  it('plays preview pieces and stops at the end of the preview with NO_PREVIEW', async () => {
    const r = new PieceReader({
      path: 'film.mkv',
      hashes: fileHashes(hybrid, 'film.mkv.locked'),
      keys: { kind: 'pieces', first: 0, keys: keys.subarray(0, 64) },
      source: memorySource(ciphertext),
    });
    expect(Buffer.from(await r.piece(1)).equals(plaintext.subarray(L, 2 * L))).toBe(true);
    await expect(r.piece(2)).rejects.toMatchObject({ code: 'NO_PREVIEW', detail: { piece: 2 } });
  });
});

/** Spans of `r`'s file read from its source and checked and decrypted in this thread. */
const loader = (r: PieceReader) =>
  spanLoader(r.file.hashes, r.file.source, inThreadUnlock(r.file), new AbortController().signal);

describe("verifiedPlaintext (the service worker's download stream)", () => {
  const sha = createHash('sha256').update(plaintext).digest('hex');
  const stream = (r: PieceReader, expected: string, onProgress?: (done: number) => void) =>
    verifiedPlaintext({ ...r.file.hashes, path: r.file.path }, loader(r), expected, onProgress);
  const collect = async (gen: AsyncGenerator<Uint8Array>) => {
    const parts: Uint8Array[] = [];
    for await (const p of gen) parts.push(p);
    return Buffer.concat(parts);
  };

  it('yields the whole plaintext in order, fetched in few requests, with progress to the end', async () => {
    const reads: number[] = [];
    const progress: number[] = [];
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'), ciphertext, reads);
    const out = await collect(stream(r, sha, (done) => progress.push(done)));
    expect(out.equals(plaintext)).toBe(true);
    expect(reads).toEqual([0]); // the file is smaller than one 4 MiB span
    expect(progress.at(-1)).toBe(SIZE);
  });

  it('reads whole files over HTTP into the span buffers (a BYOB reader), decrypts them in place, and says when the webseed answers short', async () => {
    const big = 9 * 1024 * 1024 + 12_345; // three 4 MiB spans of 1 MiB pieces
    const BL = 1024 * 1024;
    const pt = randomBytes(big);
    const ct = Buffer.alloc(big);
    const count = Math.ceil(big / BL);
    const bigKeys = derivePieceKeys(ck, 0, count - 1);
    for (let i = 0; i < count; i++)
      encryptPieceInto(bigKeys.subarray(i * 32, i * 32 + 32), pt.subarray(i * BL, (i + 1) * BL), ct.subarray(i * BL));
    const torrent = buildTorrent({
      name: 'bundle',
      files: [{ path: 'film.mkv.locked', hashes: hashFileBuffer(ct, BL) }],
      announce: [],
      webseeds: [],
      creationDate: null,
    }).torrent;
    const ranges: string[] = [];
    const serve = (short: boolean) =>
      (async (_url: string, init?: RequestInit) => {
        const range = new Headers(init?.headers).get('Range')!;
        ranges.push(range);
        const [, a, b] = /bytes=(\d+)-(\d+)/.exec(range)!.map(Number);
        const body = ct.subarray(a, short ? b : b + 1);
        // In 64 KiB chunks, as a network delivers it.
        const stream = new ReadableStream({
          type: 'bytes',
          start(c) {
            for (let o = 0; o < body.length; o += 65536) c.enqueue(new Uint8Array(body.subarray(o, o + 65536)));
            c.close();
          },
        });
        return new Response(stream, { status: 206 });
      }) as unknown as typeof fetch;
    const r = new PieceReader({
      path: 'film.mkv',
      hashes: fileHashes(torrent, 'film.mkv.locked'),
      keys: { kind: 'content', contentKey: await importContentKey(ck) },
      source: webseedSource('http://k.example/webseed/b/film.mkv.locked', serve(false)),
    });
    const sha = createHash('sha256').update(pt).digest('hex');
    expect((await collect(stream(r, sha))).equals(pt)).toBe(true);
    // 4 MiB spans (STREAM_SPAN_BYTES), the last one short.
    expect(STREAM_SPAN_BYTES).toBe(4 * BL);
    expect(ranges).toEqual([0, 4, 8].map((m) => `bytes=${m * BL}-${Math.min(big, (m + 4) * BL) - 1}`));
    const into = new Uint8Array(4 * BL);
    const span = await loader(r)(0, 4, into);
    // Read into `into` itself: its memory moved (transferred) into the span, whose plaintext is in the same memory.
    expect(into.byteLength).toBe(0);
    expect(span.buffer.byteLength).toBe(4 * BL);
    expect(Buffer.from(span).equals(pt.subarray(0, 4 * BL))).toBe(true);
    const short = webseedSource('http://k.example/x', serve(true));
    await expect(short(0, 100, undefined, new Uint8Array(100))).rejects.toMatchObject({
      code: 'API_ERROR',
      message: expect.stringMatching(/sent 99 of bytes 0–99/),
    });
  });

  it('checks the piece root instead when the key delivery has one: each piece digested as it is decrypted', async () => {
    const hashes = fileHashes(hybrid, 'film.mkv.locked');
    const r = await reader(hashes);
    const rooted = (root: string) => {
      const check = new PieceRootCheck('film.mkv', hashes.pieceCount, root);
      const load = spanLoader(hashes, r.file.source, inThreadUnlock(r.file, check.add), new AbortController().signal);
      return verifiedPlaintext({ ...hashes, path: 'film.mkv' }, load, check);
    };
    expect((await collect(rooted(referencePieceRoot(plaintext, L)))).equals(plaintext)).toBe(true);
    const yielded: Uint8Array[] = [];
    const wrong = (async () => {
      for await (const span of rooted('ab'.repeat(32))) yielded.push(span);
    })();
    await expect(wrong).rejects.toMatchObject({
      code: 'PLAINTEXT_MISMATCH',
      message: expect.stringMatching(/piece root is [0-9a-f]{64}, the key delivery says (ab){32}/),
    });
    // The file is a single span: nothing of it was handed to the download.
    expect(yielded).toEqual([]);
  });

  it('refuses to finish when the SHA-256 from the key delivery differs, and names a corrupt piece', async () => {
    const r = await reader(fileHashes(hybrid, 'film.mkv.locked'));
    await expect(collect(stream(r, 'ab'.repeat(32)))).rejects.toMatchObject({ code: 'PLAINTEXT_MISMATCH' });
    const damaged = Buffer.from(ciphertext);
    damaged[4 * L] ^= 1;
    const bad = await reader(fileHashes(hybrid, 'film.mkv.locked'), damaged);
    await expect(collect(stream(bad, sha))).rejects.toMatchObject({
      code: 'CORRUPT_PIECE',
      detail: { piece: 4 },
    });
  });
});

describe('writeVerifiedPlaintext (File System Access, folder unlock)', () => {
  const BL = 1024 * 1024;
  // More than the span buffers hold, so each goes round at least once.
  const big = SPAN_BUFFERS * SPAN_BYTES + 3 * BL + 777;
  const pt = randomBytes(big);
  const ct = Buffer.alloc(big);
  const count = Math.ceil(big / BL);
  const bigKeys = derivePieceKeys(ck, 0, count - 1);
  for (let i = 0; i < count; i++)
    encryptPieceInto(bigKeys.subarray(i * 32, i * 32 + 32), pt.subarray(i * BL, (i + 1) * BL), ct.subarray(i * BL));
  const torrent = buildTorrent({
    name: 'bundle',
    files: [{ path: 'film.mkv.locked', hashes: hashFileBuffer(ct, BL) }],
    announce: [],
    webseeds: [],
    creationDate: null,
  }).torrent;
  const sha = createHash('sha256').update(pt).digest('hex');
  // What the page does (download.ts, unlock-folder.ts).
  const save = async (
    expected: string,
    write: (b: Uint8Array) => Promise<void>,
    data: Uint8Array = ct,
    makeHash?: () => Promise<PlaintextHash>,
  ) => {
    const hashes = fileHashes(torrent, 'film.mkv.locked');
    const r = new PieceReader({
      path: 'film.mkv',
      hashes,
      keys: { kind: 'content', contentKey: await importContentKey(ck) },
      source: memorySource(data),
    });
    return writeVerifiedPlaintext({ ...hashes, path: 'film.mkv' }, loader(r), expected, write, undefined, makeHash);
  };
  // A hash that takes the bytes' memory and gives it back, as the page's worker does (transfer).
  const takingHash = async (): Promise<PlaintextHash> => {
    const h = createHash('sha256');
    return {
      async update(bytes) {
        h.update(bytes);
        await new Promise((r) => setTimeout(r, 1));
        return structuredClone(bytes, { transfer: [bytes.buffer] });
      },
      digestHex: async () => h.digest('hex'),
      close: () => undefined,
    };
  };
  // A write that reads its bytes only just before it resolves, as the browser may.
  const slowWrite = (writes: Buffer[]) => async (b: Uint8Array) => {
    await new Promise((r) => setTimeout(r, 2));
    writes.push(Buffer.from(b));
  };

  it('writes the plaintext in SPAN_BYTES writes from buffers that go round, in order, and resolves once its SHA-256 matched', async () => {
    const writes: Buffer[] = [];
    await save(sha, slowWrite(writes), ct, takingHash);
    expect(SPAN_BYTES).toBe(8 * BL);
    expect(writes.map((b) => b.length)).toEqual([
      ...Array.from({ length: SPAN_BUFFERS }, () => SPAN_BYTES),
      3 * BL + 777,
    ]);
    expect(Buffer.concat(writes).equals(pt)).toBe(true);
  });

  it('with a piece root, runs no whole-file hash and resolves once the root matched, or rejects', async () => {
    const hashes = fileHashes(torrent, 'film.mkv.locked');
    const noHash = () => Promise.reject(new Error('no whole-file hash with a piece root'));
    const saveRooted = async (root: string, writes: Buffer[]) => {
      const r = new PieceReader({
        path: 'film.mkv',
        hashes,
        keys: { kind: 'content', contentKey: await importContentKey(ck) },
        source: memorySource(ct),
      });
      const check = new PieceRootCheck('film.mkv', hashes.pieceCount, root);
      const load = spanLoader(hashes, r.file.source, inThreadUnlock(r.file, check.add), new AbortController().signal);
      return writeVerifiedPlaintext({ ...hashes, path: 'film.mkv' }, load, check, slowWrite(writes), undefined, noHash);
    };
    const writes: Buffer[] = [];
    await saveRooted(referencePieceRoot(pt, BL), writes);
    expect(Buffer.concat(writes).equals(pt)).toBe(true);
    await expect(saveRooted('ab'.repeat(32), [])).rejects.toMatchObject({ code: 'PLAINTEXT_MISMATCH' });
  });

  it('rejects on a SHA-256 that differs (the caller does not commit), a corrupt piece, or a failed write', async () => {
    await expect(save('ab'.repeat(32), async () => undefined)).rejects.toMatchObject({ code: 'PLAINTEXT_MISMATCH' });
    const damaged = Buffer.from(ct);
    damaged[9 * BL + 5] ^= 1;
    const writes: Buffer[] = [];
    await expect(save(sha, slowWrite(writes), damaged, takingHash)).rejects.toMatchObject({
      code: 'CORRUPT_PIECE',
      detail: { piece: 9 },
    });
    expect(writes).toHaveLength(1);
    await expect(save(sha, () => Promise.reject(new Error('disk full')))).rejects.toThrow(/disk full/);
  });
});

describe('workerUnlock (span workers, each ended after WORKER_BYTES)', () => {
  /** A Worker running span-worker.ts's handler in this thread, answering asynchronously with the span's memory transferred. */
  class FakeWorker {
    onmessage: ((e: MessageEvent) => void) | null = null;
    onerror: ((e: ErrorEvent) => void) | null = null;
    terminated = false;
    readonly spans: number[] = [];
    private readonly handle = spanWorkerHandler((msg, transfer) =>
      setTimeout(() => this.onmessage?.({ data: structuredClone(msg, { transfer }) } as MessageEvent), 1),
    );
    postMessage(msg: ToSpanWorker, transfer: Transferable[] = []): void {
      if (msg.type === 'span') this.spans.push(msg.first);
      this.handle(structuredClone(msg, { transfer }));
    }
    terminate(): void {
      this.terminated = true;
    }
  }

  const lockedFilm = async () => ({
    path: 'film.mkv',
    hashes: fileHashes(hybrid, 'film.mkv.locked'),
    keys: { kind: 'content' as const, contentKey: await importContentKey(ck) },
  });

  it('decrypts spans in workers, moves to a fresh worker after its quota, ends the old one once its spans are back, and passes a corrupt piece on', async () => {
    const file = await lockedFilm();
    const workers: FakeWorker[] = [];
    const pool = workerUnlock(
      file,
      () => {
        const w = new FakeWorker();
        workers.push(w);
        return w as unknown as Worker;
      },
      2 * L,
    );
    const span = (first: number, data: Uint8Array = ciphertext) =>
      pool.unlock(first, new Uint8Array(data.subarray(first * L, Math.min(SIZE, (first + 2) * L))));
    const [a, b, c] = await Promise.all([span(0), span(2), span(4)]);
    expect(Buffer.concat([a, b, c]).equals(plaintext)).toBe(true);
    // Spans of two pieces, a quota of two pieces: one worker each (the next one is always started ahead).
    expect(workers.map((w) => w.spans)).toEqual([[0], [2], [4], []]);
    expect(workers.map((w) => w.terminated)).toEqual([true, true, false, false]);
    const damaged = Buffer.from(ciphertext);
    damaged[3 * L] ^= 1;
    await expect(span(2, damaged)).rejects.toMatchObject({ code: 'CORRUPT_PIECE', detail: { piece: 3 } });
    pool.close();
    expect(workers.every((w) => w.terminated)).toBe(true);
  });

  it("reports each span's plaintext piece digests from the workers before the span resolves", async () => {
    const file = await lockedFilm();
    const digests: [number, string][] = [];
    const pool = workerUnlock(
      file,
      () => new FakeWorker() as unknown as Worker,
      2 * L,
      (first, sha) => {
        for (let j = 0; j < sha.length / 32; j++)
          digests.push([first + j, Buffer.from(sha.subarray(j * 32, j * 32 + 32)).toString('hex')]);
      },
    );
    const span = (first: number) =>
      pool.unlock(first, new Uint8Array(ciphertext.subarray(first * L, Math.min(SIZE, (first + 2) * L))));
    await Promise.all([span(4), span(0), span(2)]);
    digests.sort((a, b) => a[0] - b[0]);
    expect(digests).toEqual(
      Array.from({ length: PIECES }, (_, i) => [
        i,
        createHash('sha256')
          .update(plaintext.subarray(i * L, Math.min(SIZE, (i + 1) * L)))
          .digest('hex'),
      ]),
    );
    pool.close();
  });

  it('fails the spans of a worker that stopped (its script did not load), then and later, instead of waiting for it', async () => {
    const file = await lockedFilm();
    const workers: FakeWorker[] = [];
    const pool = workerUnlock(file, () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    });
    const first = pool.unlock(0, new Uint8Array(ciphertext.subarray(0, 2 * L)));
    workers[0].onerror?.({ message: 'no script', preventDefault: () => undefined } as ErrorEvent);
    await expect(first).rejects.toMatchObject({ code: 'UNSUPPORTED_BROWSER' });
    await expect(pool.unlock(2, new Uint8Array(ciphertext.subarray(2 * L, 4 * L)))).rejects.toMatchObject({
      code: 'UNSUPPORTED_BROWSER',
    });
    expect(workers[0].terminated).toBe(true);
    pool.close();
  });
});
