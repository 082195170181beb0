import { useEffect, useRef, useState, type RefObject } from 'react';
import {
  downloadItem,
  prepareUnlockWorker,
  unlockFolder,
  watchItem,
  watchPreview,
  type PreviewTarget,
  type UnlockLicense,
  type UnlockTarget,
} from './actions';
import { UnlockError } from './errors';

/**
 * Watch, Download and "Unlock files I downloaded" for one locked item of a license (the library),
 * with the player, a progress bar and the reason when something fails. Pages only render it.
 */
export function LockedItemActions({ target }: { target: UnlockTarget }) {
  const video = useRef<HTMLVideoElement>(null);
  const [watching, setWatching] = useState(false);
  const [busy, setBusy] = useState<'watch' | 'download' | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<UnlockError | null>(null);
  useEffect(prepareUnlockWorker, []);

  const watch = async () => {
    setError(null);
    setStatus(null);
    setWatching(true);
    setBusy('watch');
    try {
      // The <video> is rendered hidden until now: let React commit it before handing it over.
      await new Promise((r) => setTimeout(r, 0));
      await watchItem(target, video.current!, setError);
    } catch (err) {
      setError(asUnlockError(err));
    } finally {
      setBusy(null);
    }
  };

  const download = async () => {
    setError(null);
    setStatus(null);
    setBusy('download');
    setProgress({ done: 0, total: target.size ?? 0 });
    try {
      const how = await downloadItem(target, (done, total) => setProgress({ done, total }));
      setStatus(
        how === 'file-system-access'
          ? `${fileName(target.path)} saved and verified.`
          : `${fileName(target.path)} downloaded and verified.`,
      );
    } catch (err) {
      const e = asUnlockError(err);
      if (e.code !== 'ABORTED') setError(e);
    } finally {
      setBusy(null);
      setProgress(null);
    }
  };

  return (
    <div className="unlock-actions">
      <div className="unlock-buttons">
        <button type="button" onClick={() => void watch()} disabled={busy !== null}>
          {busy === 'watch' ? 'Starting…' : 'Watch'}
        </button>
        <button type="button" className="button-secondary" onClick={() => void download()} disabled={busy !== null}>
          {busy === 'download' ? 'Downloading…' : 'Download'}
        </button>
      </div>
      {progress && (
        <progress
          className="unlock-progress"
          max={progress.total || 1}
          value={progress.done}
          aria-label={`Downloading ${fileName(target.path)}`}
        />
      )}
      {status && (
        <p className="notice notice-success" role="status">
          {status}
        </p>
      )}
      {error && <UnlockErrorMessage error={error} />}
      <UnlockPlayer video={video} shown={watching} label={`${fileName(target.path)} (decrypted in this browser)`} />
    </div>
  );
}

/** "Unlock files I downloaded with my BitTorrent client" for a license's bundle. */
export function UnlockFolderButton({ license }: { license: UnlockLicense }) {
  const [lines, setLines] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UnlockError | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    setLines([]);
    try {
      await unlockFolder(license, (line) =>
        setLines((prev) => {
          const key = line.split(':')[0];
          return [...prev.filter((l) => l.split(':')[0] !== key), line];
        }),
      );
    } catch (err) {
      const e = asUnlockError(err);
      if (e.code !== 'ABORTED') setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="unlock-folder">
      <button type="button" className="button-secondary" onClick={() => void run()} disabled={busy}>
        {busy ? 'Unlocking…' : 'Unlock files I downloaded with my BitTorrent client'}
      </button>
      {lines.length > 0 && (
        <ul className="unlock-log" aria-live="polite">
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
      {error && <UnlockErrorMessage error={error} />}
    </div>
  );
}

/** The free preview of a locked item, for anyone (bundle page). */
export function PreviewPlayer({ target }: { target: PreviewTarget }) {
  const video = useRef<HTMLVideoElement>(null);
  const [started, setStarted] = useState(false);
  const [error, setError] = useState<UnlockError | null>(null);
  const start = async () => {
    setError(null);
    setStarted(true);
    try {
      await new Promise((r) => setTimeout(r, 0));
      await watchPreview(target, video.current!, setError);
    } catch (err) {
      setError(asUnlockError(err));
    }
  };
  return (
    <div className="unlock-preview">
      {!started && (
        <button type="button" className="button-secondary" onClick={() => void start()}>
          Watch the free preview
        </button>
      )}
      {error && <UnlockErrorMessage error={error} />}
      <UnlockPlayer video={video} shown={started} label={`Preview of ${fileName(target.path)}`} />
    </div>
  );
}

/** The `<video>` the unlock service worker feeds; rendered hidden until playback starts. */
function UnlockPlayer({
  video,
  shown,
  label,
}: {
  video: RefObject<HTMLVideoElement | null>;
  shown: boolean;
  label: string;
}) {
  return <video ref={video} className="unlock-player" controls playsInline hidden={!shown} aria-label={label} />;
}

const NEXT_STEP: Partial<Record<UnlockError['code'], string>> = {
  NOT_LOGGED_IN: 'Log in again from the Account page.',
  DEVICE_LIMIT: 'Remove a device below, then try again.',
  LICENSE_REVOKED: 'Buy the film again from its page to get a new license.',
  LICENSE_SUSPENDED: 'It is reinstated if the dispute is resolved in your favour.',
  API_UNREACHABLE: 'Try again in a moment.',
  RATE_LIMITED: 'Try again in a minute.',
  NO_PREVIEW: 'Buy the film to watch all of it.',
  NOT_RELEASED: 'The release was moved: reload this page to count down to the new time.',
};

export function UnlockErrorMessage({ error }: { error: UnlockError }) {
  return (
    <div className="notice notice-error" role="alert" data-unlock-error={error.code}>
      <p>{error.message}</p>
      {NEXT_STEP[error.code] && <p>{NEXT_STEP[error.code]}</p>}
    </div>
  );
}

function asUnlockError(err: unknown): UnlockError {
  return err instanceof UnlockError
    ? err
    : new UnlockError('API_ERROR', err instanceof Error ? err.message : String(err), {}, { cause: err });
}

function fileName(path: string): string {
  return path.split('/').pop() ?? path;
}
