import { fromErrorData, UnlockError } from './errors';
import { downloadUrl, SW_URL, watchUrl, type NeedSession, type SessionReport, type SessionSpec } from './sw-protocol';

/**
 * The page's side of the unlock service worker: registers it, hands it a session (the item's
 * hashes and keys) over postMessage, and gives back the URLs a `<video>` or a download uses. The
 * page keeps its sessions so that a worker the browser stopped and restarted gets them again.
 */
export interface UnlockSessionHandle {
  id: string;
  /** `src` for a `<video>`. */
  watchUrl: string;
  /** Navigating a hidden frame here downloads the decrypted file. */
  downloadUrl: string;
  /** Reports from the worker: errors (why a `<video>` stopped), download progress and completion. */
  onReport(listener: (report: SessionReport) => void): () => void;
  close(): void;
}

const open = new Map<string, { spec: SessionSpec; listeners: Set<(r: SessionReport) => void> }>();
let registration: Promise<ServiceWorker> | null = null;

/** Registers the unlock worker once and resolves when it controls this page. */
export function unlockWorker(): Promise<ServiceWorker> {
  return (registration ??= (async () => {
    if (!('serviceWorker' in navigator))
      throw new UnlockError(
        'UNSUPPORTED_BROWSER',
        'this browser cannot play or save locked films (no service workers, or a private window that disables them); use a current Chrome, Edge, Firefox or Safari, or `keyseed get`',
      );
    navigator.serviceWorker.addEventListener('message', onWorkerMessage);
    await navigator.serviceWorker.register(SW_URL, { scope: '/' });
    const ready = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise<void>((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
      );
    return navigator.serviceWorker.controller ?? ready.active!;
  })().catch((err: unknown) => {
    registration = null;
    throw err instanceof UnlockError
      ? err
      : new UnlockError(
          'UNSUPPORTED_BROWSER',
          `the unlock worker did not start: ${(err as Error).message}`,
          {},
          { cause: err },
        );
  }));
}

/** Opens a session in the worker; resolves once the worker holds it. */
export async function openUnlockSession(spec: Omit<SessionSpec, 'id'>): Promise<UnlockSessionHandle> {
  const worker = await unlockWorker();
  const id = crypto.randomUUID();
  const full: SessionSpec = { ...spec, id };
  const listeners = new Set<(r: SessionReport) => void>();
  open.set(id, { spec: full, listeners });
  await send(worker, full, listeners);
  return {
    id,
    watchUrl: watchUrl(id, spec.path),
    downloadUrl: downloadUrl(id, spec.path),
    onReport(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      open.delete(id);
      navigator.serviceWorker.controller?.postMessage({ type: 'keyseed/close', id });
    },
  };
}

/** Sends `open` with a fresh port whose reports go to `listeners`; resolves on the worker's `opened`. */
function send(worker: ServiceWorker, spec: SessionSpec, listeners: Set<(r: SessionReport) => void>): Promise<void> {
  const channel = new MessageChannel();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new UnlockError('UNSUPPORTED_BROWSER', 'the unlock worker did not answer; reload the page')),
      10_000,
    );
    channel.port1.onmessage = (e: MessageEvent<SessionReport>) => {
      if (e.data.type === 'opened') {
        clearTimeout(timer);
        resolve();
      }
      for (const l of listeners) l(e.data);
    };
    worker.postMessage({ type: 'keyseed/open', session: spec }, [channel.port2]);
  });
}

function onWorkerMessage(event: MessageEvent): void {
  const msg = event.data as NeedSession;
  if (msg?.type !== 'keyseed/need-session') return;
  const known = open.get(msg.id);
  const worker = navigator.serviceWorker.controller;
  if (known && worker) void send(worker, known.spec, known.listeners).catch(() => undefined);
}

/** Starts the worker-streamed download of a session in a hidden frame; resolves when it completes. */
export function downloadThroughWorker(
  session: UnlockSessionHandle,
  onProgress: (bytes: number, total: number) => void = () => undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const frame = document.createElement('iframe');
    frame.hidden = true;
    const stop = session.onReport((r) => {
      if (r.type === 'progress') onProgress(r.bytes, r.total);
      else if (r.type === 'done' || r.type === 'error') {
        stop();
        setTimeout(() => frame.remove(), 1000);
        if (r.type === 'done') resolve();
        else reject(fromErrorData(r.error));
      }
    });
    frame.src = session.downloadUrl;
    document.body.appendChild(frame);
  });
}
