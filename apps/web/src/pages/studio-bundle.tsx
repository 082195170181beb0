import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { addItem, bundleSales, deleteItem, getBundle, publishBundle } from '../api/studio';
import type { BundleView, ItemView } from '../api/types';
import { ErrorMessage, Loading, Notice } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { formatBytes, formatDuration, formatMoney } from '../components/format';
import { ItemUpload } from '../components/item-upload';
import { fromDateTimeLocal, toDateTimeLocal } from '../components/release-time';
import { ReleaseControl } from '../components/release-control';
import { usePageTitle } from '../components/page-title';
import { usePolling, useResource } from '../components/use-resource';
import { STATUS_TEXT } from './studio';

const BUSY_ITEM = new Set(['UPLOADING', 'QUEUED', 'INGESTING']);
const ITEM_TEXT: Record<string, string> = {
  AWAITING_UPLOAD: 'Waiting for the file',
  UPLOADING: 'Uploading',
  QUEUED: 'Queued for ingest',
  INGESTING: 'Ingesting',
  READY: 'Ready',
  FAILED: 'Failed',
};

/** One bundle in the studio: items, uploads, live ingest progress, publish, sales. */
export function StudioBundlePage() {
  const { id = '' } = useParams();
  const bundle = useResource((signal) => getBundle(id, signal), [id]);
  usePageTitle(bundle.data ? `${bundle.data.title} · Studio` : 'Studio');
  const b = bundle.data;
  const live = Boolean(b && (b.status === 'PUBLISHING' || b.items.some((i) => BUSY_ITEM.has(i.status))));
  usePolling(bundle.reload, 1000, live);

  if (bundle.error instanceof ApiError && (bundle.error.status === 404 || bundle.error.status === 403))
    return (
      <section className="page narrow">
        <h1>Bundle not found</h1>
        <p>
          No bundle of yours has this id. Back to the <Link to="/studio">studio</Link>.
        </p>
      </section>
    );
  if (bundle.error !== undefined && !b) return <ErrorMessage error={bundle.error} onRetry={bundle.reload} />;
  if (!b) return <Loading what="the bundle" />;
  const draft = b.status === 'DRAFT';
  return (
    <section className="page">
      <p className="small">
        <Link to="/studio">← Studio</Link>
      </p>
      <div className="page-head">
        <h1>{b.title}</h1>
        <span className={`badge badge-${b.status}`}>{STATUS_TEXT[b.status] ?? b.status}</span>
      </div>
      {b.status === 'TAKEN_DOWN' && (
        <Notice kind="warning">This bundle was taken down by an admin: {b.takedownReason ?? 'no reason given'}.</Notice>
      )}
      {b.publishFailureReason && (
        <div className="notice notice-error" role="alert">
          <p>
            <strong>Publishing failed:</strong> {b.publishFailureReason}
          </p>
        </div>
      )}
      {b.status === 'PUBLISHED' || b.status === 'UNLISTED' ? (
        <p>
          On sale at <Link to={`/b/${b.slug}`}>/b/{b.slug}</Link>
          {b.price ? ` for ${formatMoney(b.price.amount, b.price.currency)}` : ' (no price yet: an admin sets it)'}.
        </p>
      ) : null}
      {(b.status === 'PUBLISHED' || b.status === 'UNLISTED' || b.status === 'PUBLISHING') && b.releaseAt && (
        <section className="panel" aria-labelledby="release-title">
          <h2 id="release-title">Premiere</h2>
          <ReleaseControl bundleId={b.id} releaseAt={b.releaseAt} onChanged={bundle.reload} />
        </section>
      )}
      <h2>Files</h2>
      {b.items.length === 0 && <p className="muted">No file yet: declare the first one below.</p>}
      <ul className="license-items studio-items">
        {b.items.map((item) => (
          <li key={item.id} data-item={item.path}>
            <StudioItem bundle={b} item={item} onChange={bundle.reload} />
          </li>
        ))}
      </ul>
      {draft && <AddItemForm bundleId={b.id} onAdded={bundle.reload} />}
      {draft && <PublishBox bundle={b} onPublished={bundle.reload} />}
      {b.status === 'PUBLISHING' && <Notice kind="info">Publishing: building the torrent…</Notice>}
      {b.status !== 'DRAFT' && b.status !== 'PUBLISHING' && <Sales bundleId={b.id} />}
    </section>
  );
}

function StudioItem({ bundle, item, onChange }: { bundle: BundleView; item: ItemView; onChange: () => void }) {
  const remove = useFormSubmit([]);
  const draft = bundle.status === 'DRAFT';
  return (
    <>
      <div className="row">
        <span>
          <code>{item.path}</code>{' '}
          <span className="muted small">
            {item.locked ? `locked${item.previewPieces ? `, ${item.previewPieces} preview pieces` : ''}` : 'free'} ·{' '}
            {formatBytes(item.size)}
          </span>
        </span>
        <span className="actions">
          <span className={`badge badge-${item.status}`} data-status={item.status}>
            {ITEM_TEXT[item.status] ?? item.status}
          </span>
          {draft && !BUSY_ITEM.has(item.status) && (
            <button
              type="button"
              className="button-small button-danger"
              aria-label={`Remove ${item.path}`}
              disabled={remove.busy}
              onClick={() =>
                void remove.run(async () => {
                  await deleteItem(bundle.id, item.id);
                  onChange();
                })
              }
            >
              Remove
            </button>
          )}
        </span>
      </div>
      <FormError message={remove.formError} />
      {item.status === 'INGESTING' && (
        <div className="upload">
          <label className="label" htmlFor={`ingest-${item.id}`}>
            Ingest: {Math.floor(item.progressPercent)} %
          </label>
          <progress id={`ingest-${item.id}`} max={100} value={item.progressPercent} />
          <div className="upload-stats">
            <span>{item.bytesPerSecond > 0 ? `${formatBytes(item.bytesPerSecond)}/s` : '…'}</span>
            <span>{item.etaSeconds !== null ? `${formatDuration(item.etaSeconds)} left` : ''}</span>
          </div>
        </div>
      )}
      {item.status === 'FAILED' && (
        <p className="field-error" role="alert">
          {item.failureReason ?? 'Ingest failed.'} Upload the file again to retry.
        </p>
      )}
      {draft && (item.status === 'AWAITING_UPLOAD' || item.status === 'UPLOADING' || item.status === 'FAILED') && (
        <ItemUpload bundleId={bundle.id} item={item} onChange={onChange} />
      )}
    </>
  );
}

function AddItemForm({ bundleId, onAdded }: { bundleId: string; onAdded: () => void }) {
  const [path, setPath] = useState('');
  const [locked, setLocked] = useState(true);
  const [previewPieces, setPreviewPieces] = useState('0');
  const form = useFormSubmit(['path', 'locked', 'previewPieces', 'items']);
  return (
    <form
      className="panel"
      aria-labelledby="add-item-title"
      onSubmit={form.onSubmit(async () => {
        const pieces = Number(previewPieces);
        if (!Number.isInteger(pieces) || pieces < 0) {
          form.setError('previewPieces', 'previewPieces must be a whole number, 0 or more');
          return;
        }
        await addItem(bundleId, { path: path.trim(), locked, previewPieces: locked ? pieces : 0 });
        setPath('');
        setPreviewPieces('0');
        onAdded();
      })}
    >
      <h2 id="add-item-title">Add a file</h2>
      <Field
        label="Path in the bundle"
        name="path"
        placeholder="film.mkv or extras/making-of.mp4"
        required
        value={path}
        onChange={(e) => setPath(e.target.value)}
        error={form.fieldErrors.path ?? form.fieldErrors.items}
      />
      <div className="checkbox">
        <input id="item-locked" type="checkbox" checked={locked} onChange={(e) => setLocked(e.target.checked)} />
        <label htmlFor="item-locked">Locked (encrypted, sold). Untick for a free trailer or poster.</label>
      </div>
      {locked && (
        <Field
          label="Free preview pieces"
          type="number"
          min={0}
          hint="The first N pieces anyone may watch without buying."
          {...form.bind('previewPieces', previewPieces, setPreviewPieces)}
        />
      )}
      <FormError message={form.formError} />
      <button type="submit" disabled={form.busy}>
        Add file
      </button>
    </form>
  );
}

/** A week from now, on the hour: where a premiere's date picker starts. */
function nextWeek(): string {
  const t = new Date(Date.now() + 7 * 86_400_000);
  t.setMinutes(0, 0, 0);
  return toDateTimeLocal(t.getTime());
}

function PublishBox({ bundle, onPublished }: { bundle: BundleView; onPublished: () => void }) {
  const form = useFormSubmit(['releaseAt']);
  const [premiere, setPremiere] = useState(false);
  const [releaseAt, setReleaseAt] = useState(nextWeek);
  const [notReady, setNotReady] = useState<{ path: string; status: string }[]>([]);
  const ready = bundle.items.length > 0 && bundle.items.every((i) => i.status === 'READY');
  return (
    <div className="panel">
      <h2>Publish</h2>
      <p className="muted">
        Publishing builds the torrent from the ingested files and puts the bundle in the catalog. Its files cannot be
        changed afterwards.
      </p>
      <div className="checkbox">
        <input
          id="publish-premiere"
          type="checkbox"
          checked={premiere}
          onChange={(e) => setPremiere(e.target.checked)}
        />
        <label htmlFor="publish-premiere">
          Premiere: sell pre-orders and seed the encrypted files now, hand out the keys at a set time
        </label>
      </div>
      {premiere && (
        <Field
          label="Release time"
          type="datetime-local"
          step={1}
          hint="In your time zone. You can still move it after publishing, earlier or later."
          {...form.bind('releaseAt', releaseAt, setReleaseAt)}
        />
      )}
      <button
        type="button"
        disabled={form.busy}
        onClick={() =>
          void form.run(async () => {
            setNotReady([]);
            const at = premiere ? fromDateTimeLocal(releaseAt) : undefined;
            if (at === null) throw new Error('Pick the release date and time, or untick Premiere');
            try {
              await publishBundle(bundle.id, at);
            } catch (err) {
              const items = (err as ApiError).body as { items?: { path: string; status: string }[] } | undefined;
              if (err instanceof ApiError && Array.isArray(items?.items)) setNotReady(items.items);
              throw err;
            }
            onPublished();
          })
        }
      >
        {form.busy ? 'Publishing…' : 'Publish'}
      </button>
      {!ready && bundle.items.length > 0 && <p className="muted small">Every file must be Ready first.</p>}
      <FormError message={form.formError} />
      {notReady.length > 0 && (
        <ul className="field-error">
          {notReady.map((i) => (
            <li key={i.path}>
              {i.path}: {ITEM_TEXT[i.status] ?? i.status}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Sales({ bundleId }: { bundleId: string }) {
  const sales = useResource((signal) => bundleSales(bundleId, signal), [bundleId]);
  return (
    <section className="panel" aria-labelledby="sales-title">
      <h2 id="sales-title">Sales</h2>
      {sales.error !== undefined && <ErrorMessage error={sales.error} onRetry={sales.reload} />}
      {sales.data && (
        <div className="stat-grid">
          <div className="stat">
            <strong>{sales.data.paidCount}</strong> sold
          </div>
          <div className="stat">
            <strong>{sales.data.activeLicenses}</strong> active licenses
          </div>
          <div className="stat">
            <strong>{sales.data.refundCount}</strong> refunded
          </div>
          {sales.data.byCurrency.map((c) => (
            <div className="stat" key={c.currency}>
              <strong>{formatMoney(c.net, c.currency)}</strong> net revenue ({formatMoney(c.gross, c.currency)} gross)
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
