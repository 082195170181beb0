// The page's side of the piece workers, with fake workers that answer as piece-worker.ts does.
import { UnlockError } from './errors';
import { pieceWorkers, type FromPieceWorker, type PieceWorkerFile, type ToPieceWorker } from './piece-workers';

const file = { path: 'film.mkv', hashes: {}, keys: {}, source: '/webseed/b/film.mkv.locked' } as PieceWorkerFile;

/** A Worker that records what it is sent and answers each span with `answer` (or never, when it returns null). */
function fakeWorker(
  log: ToPieceWorker[],
  answer: (m: Extract<ToPieceWorker, { type: 'span' }>) => FromPieceWorker | null,
) {
  const w = {
    onmessage: null as ((e: MessageEvent<FromPieceWorker>) => void) | null,
    onerror: null as ((e: ErrorEvent) => void) | null,
    terminated: false,
    postMessage(m: ToPieceWorker) {
      log.push(m);
      if (m.type !== 'span') return;
      const reply = answer(m);
      if (reply) setTimeout(() => w.onmessage?.({ data: reply } as MessageEvent<FromPieceWorker>), 0);
    },
    terminate() {
      w.terminated = true;
    },
  };
  return w;
}

describe('piece workers (page side)', () => {
  it('hands the file to every worker once, each span to the least busy one, and returns its pieces', async () => {
    const logs: ToPieceWorker[][] = [[], []];
    const workers = logs.map((log, i) =>
      fakeWorker(log, (m) =>
        i === 0 && m.id === 0 ? null : { type: 'span', id: m.id, pieces: [new Uint8Array([m.first])] },
      ),
    );
    let n = 0;
    const pool = pieceWorkers(file, 2, () => workers[n++] as unknown as Worker);
    void pool.load(0, 2); // stays pending in worker 0
    const [a, b] = await Promise.all([pool.load(2, 2), pool.load(4, 2)]);
    expect([a[0][0], b[0][0]]).toEqual([2, 4]);
    // Span 2 to the idle worker; span 4 to the first of two equally busy ones.
    expect(logs.map((l) => l.map((m) => (m.type === 'span' ? m.first : 'file')))).toEqual([
      ['file', 0, 4],
      ['file', 2],
    ]);
    pool.close();
    expect(workers.every((w) => w.terminated)).toBe(true);
  });

  it('fails a span with the typed error the worker reports, and everything once a worker fails', async () => {
    const log: ToPieceWorker[] = [];
    const worker = fakeWorker(log, (m) => ({
      type: 'error',
      id: m.id,
      error: { code: 'CORRUPT_PIECE', message: 'film.mkv: piece 3 does not match the torrent', detail: { piece: 3 } },
    }));
    const pool = pieceWorkers(file, 1, () => worker as unknown as Worker);
    const err = await pool.load(2, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnlockError);
    expect(err).toMatchObject({ code: 'CORRUPT_PIECE', detail: { piece: 3 } });
    worker.onerror?.({ message: 'script failed to load' } as ErrorEvent);
    await expect(pool.load(4, 2)).rejects.toThrow(/a piece worker failed: script failed to load/);
  });
});
