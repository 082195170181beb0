import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError, ApiUnreachableError, describeError } from '../api/client';

/** A page-level error with the way forward that fits it. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  let hint: ReactNode = null;
  if (error instanceof ApiUnreachableError) hint = onRetry ? null : 'Reload the page once the server is back.';
  else if (error instanceof ApiError && error.status === 401)
    hint = (
      <>
        Please <Link to="/account">log in again</Link>.
      </>
    );
  else if (error instanceof ApiError && error.status === 403) hint = 'This account is not allowed to do that.';
  return (
    <div className="notice notice-error" role="alert">
      <p>{describeError(error)}</p>
      {hint && <p>{hint}</p>}
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role="status">
      {children}
    </div>
  );
}
