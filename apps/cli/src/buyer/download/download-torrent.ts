import { CliError, ExitCode } from '../../cli-error';
import { loadWebTorrent } from '@keyseed/webtorrent/esm';
import { padAwareStore } from './pad-aware-store';
import type { WtClient, WtClientCtor } from '@keyseed/webtorrent/webtorrent-types';

export interface DownloadOptions {
  /** Folder to download into; the bundle lands in `<dir>/<torrent name>/`. */
  dir: string;
  /** Keep seeding after the download completes, until `signal` aborts. */
  seed?: boolean;
  /** Give up when nothing arrives for this long (no peer, webseed down). */
  stallMs?: number;
  /** Aborting stops the download (Ctrl-C); verified pieces stay on disk for the next run. */
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Download rate limit in bytes/s (default: none). */
  downloadLimit?: number;
  /** How often onProgress is called. */
  progressMs?: number;
}

export interface DownloadProgress {
  name: string;
  length: number;
  /** Verified bytes, pieces found on disk at start included. */
  verified: number;
  /** Bytes received over the network in this run. */
  received: number;
  speed: number;
  etaMs: number;
  peers: number;
  done: boolean;
}

export interface DownloadResult {
  name: string;
  infoHash: string;
  length: number;
  /** Bytes already on disk and verified when the download started (a resumed download). */
  alreadyVerified: number;
  /** Bytes received over the network in this run (BitTorrent peers and webseeds). */
  received: number;
  ms: number;
}

/**
 * Downloads a torrent with webtorrent (tracker + BEP 19 webseed + TCP peers; no DHT/LSD/WebRTC),
 * verifying every piece. Existing files at the target path are checked piece by piece first, so
 * an interrupted download resumes where it stopped. BEP 47 pad files stay virtual (see
 * padAwareStore). Resolves when every piece is verified (after the `--seed` period when seeding).
 */
export async function downloadTorrent(torrentId: Buffer | string, opts: DownloadOptions): Promise<DownloadResult> {
  const WebTorrent = loadWebTorrent<WtClientCtor>();
  const store = padAwareStore();
  const client: WtClient = new WebTorrent({
    dht: false,
    lsd: false,
    webSeeds: true,
    utp: false,
    natUpnp: false,
    natPmp: false,
    utPex: true,
    downloadLimit: opts.downloadLimit ?? -1,
  });
  const t0 = Date.now();
  const stallMs = opts.stallMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<DownloadResult>((resolve, reject) => {
      const fail = (err: unknown) =>
        reject(
          err instanceof CliError
            ? err
            : new CliError(`download failed: ${(err as Error)?.message ?? String(err)}`, ExitCode.Failure),
        );
      client.on('error', fail);
      const torrent = client.add(torrentId, { path: opts.dir, store, storeCacheSlots: 0, maxWebConns: 4 });
      torrent.on('error', fail);
      let alreadyVerified = 0;
      let lastReceived = -1;
      let lastChange = Date.now();
      const snapshot = (): DownloadProgress => ({
        name: torrent.name,
        length: torrent.length,
        verified: torrent.downloaded,
        received: torrent.received,
        speed: torrent.downloadSpeed,
        etaMs: torrent.timeRemaining,
        peers: torrent.numPeers,
        done: torrent.done,
      });
      const result = (): DownloadResult => ({
        name: torrent.name,
        infoHash: torrent.infoHash,
        length: torrent.length,
        alreadyVerified,
        received: torrent.received,
        ms: Date.now() - t0,
      });
      onAbort = () =>
        reject(
          new CliError(
            `download of ${torrent.name ?? 'the torrent'} interrupted; run the same command again to resume (verified pieces are kept)`,
            ExitCode.Failure,
          ),
        );
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      torrent.on('ready', () => {
        alreadyVerified = torrent.downloaded;
        lastChange = Date.now();
      });
      timer = setInterval(() => {
        if (!torrent.ready) {
          if (Date.now() - lastChange > stallMs)
            fail(
              new CliError(
                `no torrent metadata after ${stallMs / 1000} s: no peer has it (a magnet link needs peers; try the .torrent or the bundle's slug)`,
                ExitCode.Failure,
              ),
            );
          return;
        }
        opts.onProgress?.(snapshot());
        if (torrent.received !== lastReceived || torrent.done) {
          lastReceived = torrent.received;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > stallMs) {
          fail(
            new CliError(
              `download stalled: nothing received for ${stallMs / 1000} s (${torrent.numPeers} peers); the webseed or tracker may be down. Run the command again to resume`,
              ExitCode.Failure,
            ),
          );
        }
      }, opts.progressMs ?? 500);

      torrent.on('done', () => {
        opts.onProgress?.(snapshot());
        const res = result();
        if (!opts.seed) return resolve(res);
        // Seeding: stay until aborted, then report.
        opts.signal?.removeEventListener('abort', onAbort!);
        const stop = () => resolve({ ...res, ms: Date.now() - t0 });
        if (opts.signal?.aborted) stop();
        else opts.signal?.addEventListener('abort', stop, { once: true });
      });
    });
  } finally {
    if (timer) clearInterval(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    await new Promise<void>((r) => client.destroy(() => r()));
  }
}

/** `12.3 MiB`, for progress lines. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One status line: `[#####-----]  48%  3.1 MiB/s  ETA 0:12  2 peers`. */
export function progressLine(p: DownloadProgress): string {
  const frac = p.length ? Math.min(1, p.verified / p.length) : 0;
  const width = 24;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${formatBytes(p.verified)}/${formatBytes(p.length)}  ${formatBytes(p.speed)}/s  ETA ${p.done ? '0:00' : formatDuration(p.etaMs)}  ${p.peers} peer${p.peers === 1 ? '' : 's'}`;
}
