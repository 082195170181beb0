import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Upload, type PreviousUpload } from 'tus-js-client';
import { storedToken } from '../api/session-store';
import { declareItemSize } from '../api/studio';
import type { ItemView } from '../api/types';
import { formatBytes, formatDuration } from './format';

/** Chunks bound what a dropped connection costs and let proxies with body limits through. */
const CHUNK_SIZE = 8 * 1024 * 1024;
/** Retries after a dropped connection (ms); each retry asks the server where to resume. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];

interface Progress {
  sent: number;
  total: number;
  bytesPerSecond: number;
}

type UploadState =
  | { kind: 'idle' }
  | { kind: 'uploading'; progress: Progress; resumedAt: number | null; retrying: boolean }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };

function errorText(err: Error): string {
  const body = (err as { originalResponse?: { getBody(): string } }).originalResponse?.getBody();
  try {
    const message = (JSON.parse(body ?? '') as { message?: string | string[] }).message;
    if (message) return Array.isArray(message) ? message.join('; ') : message;
  } catch {
    // not a JSON answer: the network error below says more
  }
  return /failed to upload chunk|network|xhr/i.test(err.message)
    ? 'The connection to the server was lost and retries did not get through. Choose the file again to resume where it stopped.'
    : err.message;
}

/**
 * Drag-and-drop (or choose) the file of one item and send it with tus. tus-js-client remembers the
 * upload by file fingerprint, so choosing the same file after a reload resumes where it stopped, and
 * a dropped connection retries from the server's offset.
 */
export function ItemUpload({ bundleId, item, onChange }: { bundleId: string; item: ItemView; onChange: () => void }) {
  const [state, setState] = useState<UploadState>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const upload = useRef<Upload | null>(null);
  const samples = useRef<{ t: number; sent: number }[]>([]);

  useEffect(() => () => void upload.current?.abort(), []);

  const start = async (file: File) => {
    samples.current = [];
    // Declared before the upload starts: the bundle's piece length is chosen from the declared sizes
    // when its first upload is ingested, so a trailer that finishes first must not decide it alone.
    if (item.declaredSize !== file.size) {
      try {
        await declareItemSize(bundleId, item.id, file.size);
      } catch (err) {
        setState({ kind: 'failed', message: (err as Error).message });
        return;
      }
    }
    // Set once tus-js-client finds an earlier upload of this file; the first progress is where it resumed.
    let resuming = false;
    let resumedAt: number | null = null;
    const u = new Upload(file, {
      endpoint: '/v1/uploads',
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      removeFingerprintOnSuccess: true,
      // The item belongs in the fingerprint: the same file dropped on another item is another upload.
      fingerprint: async (f: File) => `keyseed-${item.id}-${f.name}-${f.size}-${f.lastModified}`,
      metadata: { bundleId, itemId: item.id, filename: file.name },
      onBeforeRequest: (req) => {
        const token = storedToken();
        if (token) req.setHeader('Authorization', `Bearer ${token}`);
      },
      onShouldRetry: (err, _attempt, options) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        // 4xx answers (quota, not a draft, gone) will not change by retrying; 423/409 do.
        const retry = status === 0 || status >= 500 || status === 409 || status === 423;
        if (retry) setState((s) => (s.kind === 'uploading' ? { ...s, retrying: true } : s));
        return retry && options.retryDelays !== null;
      },
      onProgress: (sent, total) => {
        if (resuming && resumedAt === null) resumedAt = sent;
        const now = performance.now();
        const window = samples.current.filter((s) => now - s.t < 3000);
        window.push({ t: now, sent });
        samples.current = window;
        const first = window[0];
        const seconds = (now - first.t) / 1000;
        const bytesPerSecond = seconds > 0.2 ? (sent - first.sent) / seconds : 0;
        setState({ kind: 'uploading', progress: { sent, total, bytesPerSecond }, resumedAt, retrying: false });
      },
      onSuccess: () => {
        setState({ kind: 'done' });
        onChange();
      },
      onError: (err) => setState({ kind: 'failed', message: errorText(err) }),
    });
    upload.current = u;
    const previous: PreviousUpload[] = await u.findPreviousUploads();
    if (previous.length) {
      u.resumeFromPreviousUpload(previous[0]);
      resuming = true;
    }
    setState({
      kind: 'uploading',
      progress: { sent: 0, total: file.size, bytesPerSecond: 0 },
      resumedAt: null,
      retrying: false,
    });
    u.start();
    onChange();
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) void start(file);
  };

  const inputId = `upload-${item.id}`;
  if (state.kind === 'uploading') {
    const { sent, total, bytesPerSecond } = state.progress;
    const pct = total ? Math.floor((sent / total) * 100) : 0;
    return (
      <div className="upload" aria-live="polite">
        <label htmlFor={`${inputId}-progress`} className="label">
          Uploading {item.path}: {pct} %
        </label>
        <progress id={`${inputId}-progress`} max={total} value={sent} />
        <div className="upload-stats">
          <span>
            {formatBytes(sent)} of {formatBytes(total)}
          </span>
          <span>{bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '…'}</span>
          <span>
            {bytesPerSecond > 0 ? `${formatDuration((total - sent) / bytesPerSecond)} left` : 'estimating time left'}
          </span>
        </div>
        {state.resumedAt !== null && state.resumedAt > 0 && (
          <p className="muted small">
            Resumed at {formatBytes(state.resumedAt)}: the earlier part was already uploaded.
          </p>
        )}
        {state.retrying && <p className="muted small">Connection lost: retrying from where the server stopped…</p>}
        <button
          type="button"
          className="button-small button-secondary"
          onClick={() => {
            void upload.current?.abort();
            setState({ kind: 'idle' });
          }}
        >
          Pause
        </button>
      </div>
    );
  }
  return (
    <div
      className={`dropzone${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <p>
        Drop the file for <code>{item.path}</code> here, or{' '}
        <label htmlFor={inputId} className="link-label">
          choose it
        </label>
        .
      </p>
      <input
        id={inputId}
        className="visually-hidden"
        type="file"
        data-item={item.path}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void start(file);
        }}
      />
      {state.kind === 'done' && <p className="muted small">Upload complete.</p>}
      {state.kind === 'failed' && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      <p className="muted small">An interrupted upload resumes where it stopped when you choose the same file again.</p>
    </div>
  );
}
