/** A premiere's release time as the pages count it down and edit it (components/release.tsx). */

/** Milliseconds until `releaseAt` from `now` (≤ 0 once released; a null releaseAt is released). */
export function untilRelease(releaseAt: string | null | undefined, now: number): number {
  return releaseAt ? new Date(releaseAt).getTime() - now : 0;
}

/** "2 d 3 h", "3 h 4 min", "4 min 5 s", "12 s": the two largest units of a time to wait. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** The value a `datetime-local` input shows for an instant, in this browser's time zone (to the second). */
export function toDateTimeLocal(instant: number): string {
  const d = new Date(instant);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A `datetime-local` value (this browser's time zone) as the ISO instant the API takes, or null when it is not one. */
export function fromDateTimeLocal(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}
