/// <reference lib="webworker" />
import { toErrorData } from '../errors';
import { PieceReader, webseedSource } from '../piece-reader';
import { PieceRootCheck } from '../piece-root';
import { rangeResponse } from '../range-response';
import { inThreadUnlock } from '../span-unlock';
import {
  baseName,
  DOWNLOAD_PREFIX,
  sessionOf,
  WATCH_PREFIX,
  type NeedSession,
  type SessionReport,
  type SessionSpec,
  type ToWorker,
} from '../sw-protocol';
import { spanLoader, verifiedPlaintext } from '../verified-plaintext';

/**
 * The unlock service worker (served at /unlock-sw.js, scope /). It answers two kinds of request
 * from the app's own pages, and lets every other request through untouched:
 * - `/unlock/watch/<session>/<name>`: the `<video>`'s Range requests, from verified and decrypted
 *   pieces fetched from the webseed (only the covering pieces, one read ahead);
 * - `/unlock/download/<session>/<name>`: the whole decrypted file as a download, checked against the
 *   plaintext SHA-256 before its last bytes go out (a failed check fails the download, so the browser
 *   keeps no partial file).
 * Sessions (keys included) live in this worker's memory only. A restarted worker asks the pages to
 * send them again.
 */
declare const self: ServiceWorkerGlobalScope;

interface Session {
  spec: SessionSpec;
  reader: PieceReader;
  port: MessagePort | null;
  /** The page that opened it: its sessions go once it is gone (a closed tab sends no `close`). */
  clientId: string | null;
}

const sessions = new Map<string, Session>();
const waiting = new Map<string, ((s: Session | null) => void)[]>();
const REOPEN_WAIT_MS = 5000;

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const msg = event.data as ToWorker;
  if (msg?.type === 'keyseed/open') {
    const spec = msg.session;
    const port = event.ports[0] ?? null;
    const session: Session = {
      spec,
      port,
      clientId: (event.source as Client | null)?.id ?? null,
      reader: new PieceReader({
        path: spec.path,
        hashes: spec.hashes,
        keys: spec.keys,
        source: webseedSource(spec.webseedUrl),
      }),
    };
    sessions.set(spec.id, session);
    for (const resolve of waiting.get(spec.id) ?? []) resolve(session);
    waiting.delete(spec.id);
    report(session, { type: 'opened' });
    event.waitUntil(dropSessionsOfClosedPages());
  } else if (msg?.type === 'keyseed/close') {
    sessions.get(msg.id)?.port?.close();
    sessions.delete(msg.id);
  }
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  const watch = sessionOf(url.pathname, WATCH_PREFIX);
  const download = watch ? null : sessionOf(url.pathname, DOWNLOAD_PREFIX);
  const id = watch ?? download;
  if (!id) return;
  event.respondWith(
    findSession(id).then((session) => {
      if (!session)
        return new Response('this unlock session has ended: reload the page', {
          status: 410,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        });
      return watch ? watchResponse(session, event.request) : downloadResponse(session);
    }),
  );
});

function watchResponse(session: Session, request: Request): Response {
  return rangeResponse(session.reader, request.headers.get('Range'), session.spec.contentType, (err) =>
    report(session, { type: 'error', error: toErrorData(err) }),
  );
}

function downloadResponse(session: Session): Response {
  const { spec, reader } = session;
  let lastReport = 0;
  // Stopping early (an error, a cancelled download) aborts the requests in flight.
  const stop = new AbortController();
  // With a piece root each piece is digested as it is decrypted and no whole-file SHA-256 runs (piece-root.ts).
  const rootCheck = spec.plaintextPieceRoot
    ? new PieceRootCheck(spec.path, spec.hashes.pieceCount, spec.plaintextPieceRoot)
    : null;
  const load = spanLoader(spec.hashes, reader.file.source, inThreadUnlock(reader.file, rootCheck?.add), stop.signal);
  const expected = rootCheck ?? spec.plaintextSha256;
  const pieces = verifiedPlaintext({ ...spec.hashes, path: spec.path }, load, expected, (bytes, total) => {
    if (bytes === total || Date.now() - lastReport > 200) {
      lastReport = Date.now();
      report(session, { type: 'progress', bytes, total });
    }
  });
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await pieces.next();
          if (next.done) {
            controller.close();
            report(session, { type: 'done', bytes: reader.size });
          } else controller.enqueue(next.value);
        } catch (err) {
          stop.abort();
          report(session, { type: 'error', error: toErrorData(err) });
          controller.error(err);
        }
      },
      async cancel() {
        stop.abort();
        await pieces.return();
        report(session, {
          type: 'error',
          error: { code: 'ABORTED', message: 'the download was cancelled: nothing was kept', detail: {} },
        });
      },
    },
    { highWaterMark: 1 },
  );
  const name = baseName(spec.path);
  return new Response(body, {
    status: 200,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(reader.size),
      'Content-Disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Cache-Control': 'no-store',
    },
  });
}

/** Forgets the sessions (keys, cached pieces) of pages that were closed. */
async function dropSessionsOfClosedPages(): Promise<void> {
  for (const [id, session] of sessions)
    if (session.clientId && !(await self.clients.get(session.clientId))) {
      session.port?.close();
      sessions.delete(id);
    }
}

/** The session, or (after a worker restart) the one a page sends again when asked; null after 5 s. */
async function findSession(id: string): Promise<Session | null> {
  const known = sessions.get(id);
  if (known) return known;
  const found = new Promise<Session | null>((resolve) => {
    const list = waiting.get(id) ?? [];
    list.push(resolve);
    waiting.set(id, list);
    setTimeout(() => resolve(null), REOPEN_WAIT_MS);
  });
  const need: NeedSession = { type: 'keyseed/need-session', id };
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(need);
  return found;
}

function report(session: Session, msg: SessionReport): void {
  session.port?.postMessage(msg);
}
