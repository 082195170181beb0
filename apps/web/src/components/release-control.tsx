import { useState } from 'react';
import { setRelease } from '../api/studio';
import { formatDate } from './format';
import { Field, FormError, useFormSubmit } from './form';
import { ReleaseCountdown, useReleaseClock } from './release';
import { fromDateTimeLocal, toDateTimeLocal, untilRelease } from './release-time';

const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * A premiere's release time for its creator (studio) or an admin: when it is, moved earlier or later,
 * or "Release now". Every change is audited by the API, and buyers' pages follow it.
 */
export function ReleaseControl({
  bundleId,
  releaseAt,
  onChanged,
}: {
  bundleId: string;
  releaseAt: string | null;
  onChanged: () => void;
}) {
  const now = useReleaseClock(releaseAt);
  const waiting = untilRelease(releaseAt, now) > 0;
  const [value, setValue] = useState(() => (releaseAt ? toDateTimeLocal(new Date(releaseAt).getTime()) : ''));
  const form = useFormSubmit(['releaseAt']);
  if (!waiting)
    return (
      <p className="release-state">
        {releaseAt ? `Released ${formatDate(releaseAt)}: buyers get their keys.` : 'Released: buyers get their keys.'}
      </p>
    );
  const save = (next: string | null) =>
    form.run(async () => {
      await setRelease(bundleId, next);
      onChanged();
    });
  return (
    <form
      className="release-control"
      aria-label="Premiere release"
      onSubmit={form.onSubmit(async () => {
        const next = fromDateTimeLocal(value);
        if (!next) return form.setError('releaseAt', 'Pick a date and a time');
        await setRelease(bundleId, next);
        onChanged();
      })}
    >
      <p>
        <ReleaseCountdown releaseAt={releaseAt} />. Buyers can pre-order; their keys are withheld until then.
      </p>
      <div className="inline-form">
        <Field
          label={`Move the release to (${TIME_ZONE})`}
          type="datetime-local"
          step={1}
          hint="Earlier or later: buyers see the new time at once."
          {...form.bind('releaseAt', value, setValue)}
        />
        <button type="submit" disabled={form.busy}>
          Move release
        </button>
        <button type="button" className="button-secondary" disabled={form.busy} onClick={() => void save(null)}>
          Release now
        </button>
      </div>
      <FormError message={form.formError} />
    </form>
  );
}
