import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { formatDate } from './format';
import { formatCountdown, untilRelease } from './release-time';
import { usePolling } from './use-resource';

/**
 * Premieres on the pages (docs/web-app.md, premieres): a bundle's `releaseAt` counted down live. The
 * API decides on every key request; the pages only follow the clock to say when and to open
 * Watch and Download at that moment.
 */

/**
 * The time now, re-read every second while a release is less than a day away (every 30 s before):
 * the component re-renders as the countdown moves and once more when it reaches zero.
 */
export function useReleaseClock(releaseAt: string | null | undefined): number {
  const [now, setNow] = useState(Date.now);
  const left = untilRelease(releaseAt, now);
  useEffect(() => {
    if (left <= 0) return;
    const step = left > 86_400_000 ? 30_000 : 1000;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(step, left));
    return () => clearTimeout(timer);
  }, [left]);
  return now;
}

/** "Releases 1 Mar 2027, 18:00 · in 2 d 3 h" (`compact`: "Releases · in 2 d 3 h", the date on hover), live; nothing once released. */
export function ReleaseCountdown({
  releaseAt,
  prefix = 'Releases',
  className = 'release-countdown',
  compact = false,
}: {
  releaseAt: string | null;
  prefix?: string;
  className?: string;
  compact?: boolean;
}) {
  const now = useReleaseClock(releaseAt);
  const left = untilRelease(releaseAt, now);
  if (left <= 0) return null;
  return (
    <span className={className} title={compact ? formatDate(releaseAt) : undefined}>
      {prefix}{' '}
      {!compact && (
        <>
          <time dateTime={releaseAt!}>{formatDate(releaseAt)}</time>{' '}
        </>
      )}
      · <span className="release-left">in {formatCountdown(left)}</span>
    </span>
  );
}

/** Mean interval of ReleaseGate's refresh; each page draws its own within ±20 %, so pages opened together drift apart. */
const REFRESH_EVERY_MS = 10 * 60_000;

/**
 * A pre-order's Watch, Download and Unlock (`children`) once its bundle is released; before that,
 * when it releases, counted down, and what the buyer can do meanwhile. Asks for the bundle again
 * (`refresh`) about every ten minutes while waiting, as `keyseed get` does, so a release the creator
 * moved is followed: thousands of buyers' open pages must not become a steady load on the API
 * before a premiere (a release moved later than a page knows is answered 425 with the new time).
 */
export function ReleaseGate({
  releaseAt,
  slug,
  refresh,
  children,
}: {
  releaseAt: string | null;
  slug: string;
  refresh: () => void;
  children: ReactNode;
}) {
  const now = useReleaseClock(releaseAt);
  const waiting = untilRelease(releaseAt, now) > 0;
  const [every] = useState(() => REFRESH_EVERY_MS * (0.8 + Math.random() * 0.4));
  usePolling(refresh, every, waiting);
  if (!waiting) return <>{children}</>;
  return (
    <div className="notice notice-info release-gate" role="status">
      <p>
        <strong>Pre-ordered.</strong> <ReleaseCountdown releaseAt={releaseAt} />
      </p>
      <p>
        Watch and Download open here at the release, by themselves. Until then you can already fetch the encrypted files
        with any BitTorrent client from the <Link to={`/b/${slug}`}>bundle page</Link>, and unlock them here once it is
        out.
      </p>
    </div>
  );
}
