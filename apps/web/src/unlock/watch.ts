import { fromErrorData, UnlockError } from './errors';
import type { ApiFetch } from './keys-client';
import type { PreparedItem } from './prepare-item';
import { openUnlockSession, type UnlockSessionHandle } from './unlock-session';

/**
 * Plays a prepared locked item in `video` through the unlock service worker. `onError` gets the
 * typed reason when playback stops on a refused piece or a lost key (the `<video>` itself only
 * knows "network error"). Returns the session; close it when the player goes away.
 */
export async function watchLockedItem(
  video: HTMLVideoElement,
  prepared: PreparedItem,
  onError: (err: UnlockError) => void,
): Promise<UnlockSessionHandle> {
  const session = await openUnlockSession(prepared.spec);
  let reported = false;
  session.onReport((r) => {
    if (r.type === 'error') {
      reported = true;
      onError(fromErrorData(r.error));
    }
  });
  video.addEventListener('error', () => {
    // The worker's report, when there is one, arrives first and says more.
    setTimeout(() => {
      if (!reported)
        onError(
          new UnlockError('API_ERROR', `the film stopped: ${video.error?.message || 'the player could not read it'}`),
        );
    }, 100);
  });
  video.src = session.watchUrl;
  return session;
}

/** The REST API of this origin with the session's bearer token (null: anonymous, e.g. previews). */
export function sameOriginApi(token: () => string | null): ApiFetch {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    const t = token();
    if (t) headers.set('Authorization', `Bearer ${t}`);
    return fetch(`/v1${path}`, { ...init, headers });
  };
}
