import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError, ApiUnreachableError, describeError } from '../api/client';
import type { Resource } from './use-resource';

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

/**
 * A loaded list's states: its error (with Try again), "Loading…" until the first answer, `empty` when
 * it has no rows, and `children` with the rows otherwise.
 */
export function ListStates<T>({
  list,
  what,
  empty,
  children,
}: {
  list: Resource<T[]>;
  what: string;
  empty?: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  return (
    <>
      {list.error !== undefined && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading what={what} />}
      {list.data?.length === 0 && empty}
      {list.data && list.data.length > 0 && children(list.data)}
    </>
  );
}

/** Previous / Next under a paged list (`rows`: this page's), shown once there is more than one page. */
export function Pagination({
  label,
  page,
  rows,
  pageSize,
  onPage,
}: {
  label: string;
  page: number;
  rows: unknown[] | undefined;
  pageSize: number;
  onPage: (page: number) => void;
}) {
  if (!rows || (page <= 1 && rows.length !== pageSize)) return null;
  return (
    <nav className="pagination" aria-label={label}>
      <button type="button" className="button-secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span aria-current="page">Page {page}</span>
      <button
        type="button"
        className="button-secondary"
        disabled={rows.length < pageSize}
        onClick={() => onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}
