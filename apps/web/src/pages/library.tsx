import { useState } from 'react';
import { Link } from 'react-router';
import { getCatalogBundle } from '../api/catalog';
import { api } from '../api/client';
import { useSession } from '../api/session';
import type { CatalogItemView, DeviceView, LicenseView } from '../api/types';
import { ErrorMessage, Loading } from '../components/feedback';
import { formatBytes, formatDate } from '../components/format';
import { usePageTitle } from '../components/page-title';
import { ReleaseGate } from '../components/release';
import { useResource } from '../components/use-resource';
import { LockedItemActions, UnlockFolderButton } from '../unlock/locked-item-actions';

const STATE: Record<LicenseView['status'], string> = {
  ACTIVE: 'Active',
  SUSPENDED: 'Suspended (payment disputed)',
  REVOKED: 'Revoked (refunded)',
};

/** The buyer's licenses: state, devices, and Watch / Download / Unlock for every locked item. */
export function LibraryPage() {
  usePageTitle('Library');
  const { user } = useSession();
  const licenses = useResource((signal) => api<LicenseView[]>('GET', '/v1/licenses', { signal }), [user?.id]);
  if (!user)
    return (
      <section className="page narrow">
        <h1>Library</h1>
        <p>
          <Link to="/account?next=/library">Log in</Link> to see the films you bought.
        </p>
      </section>
    );
  if (licenses.error !== undefined) return <ErrorMessage error={licenses.error} onRetry={licenses.reload} />;
  if (!licenses.data) return <Loading what="your library" />;
  return (
    <section className="page library">
      <h1>Library</h1>
      {licenses.data.length === 0 && (
        <p>
          Nothing here yet: films you buy from the <Link to="/">catalog</Link> appear here.
        </p>
      )}
      {licenses.data.map((l) => (
        <LicenseCard key={l.id} license={l} />
      ))}
    </section>
  );
}

function LicenseCard({ license }: { license: LicenseView }) {
  const bundle = useResource((signal) => getCatalogBundle(license.bundle.slug, signal), [license.bundle.slug]);
  const unlock = {
    licenseId: license.id,
    bundleId: license.bundle.id,
    slug: license.bundle.slug,
    title: license.bundle.title,
  };
  const locked = (bundle.data?.items ?? []).filter((i) => i.locked);
  return (
    <article className="license" aria-labelledby={`license-${license.id}`}>
      <h2 id={`license-${license.id}`}>
        <Link to={`/b/${license.bundle.slug}`}>{license.bundle.title}</Link>
      </h2>
      <p className={`license-state license-${license.status.toLowerCase()}`}>
        {STATE[license.status]}
        {license.statusReason ? `: ${license.statusReason}` : ''}
      </p>
      {bundle.error !== undefined && <ErrorMessage error={bundle.error} onRetry={bundle.reload} />}
      {bundle.data && locked.length > 0 && (
        <ReleaseGate releaseAt={bundle.data.releaseAt} slug={license.bundle.slug} refresh={bundle.reload}>
          {locked.map((item) => (
            <LockedItem key={item.path} item={item} unlock={unlock} />
          ))}
          <UnlockFolderButton license={unlock} />
        </ReleaseGate>
      )}
      <Devices license={license} />
    </article>
  );
}

function LockedItem({
  item,
  unlock,
}: {
  item: CatalogItemView;
  unlock: Parameters<typeof UnlockFolderButton>[0]['license'];
}) {
  return (
    <section className="license-item">
      <h3>
        <code>{item.path}</code> <span className="muted small">{formatBytes(item.size)}</span>
      </h3>
      <LockedItemActions target={{ ...unlock, path: item.path, torrentPath: item.torrentPath, size: item.size }} />
    </section>
  );
}

function Devices({ license }: { license: LicenseView }) {
  const devices = useResource(
    (signal) => api<DeviceView[]>('GET', `/v1/licenses/${license.id}/devices`, { signal }),
    [license.id],
  );
  const [error, setError] = useState<unknown>();
  const active = (devices.data ?? []).filter((d) => !d.removedAt);
  if (active.length === 0) return null;
  const remove = async (id: string) => {
    setError(undefined);
    try {
      await api('DELETE', `/v1/licenses/${license.id}/devices/${id}`);
      devices.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details className="devices">
      <summary>
        Devices ({active.length}){' '}
        <span className="muted small">— each browser or computer that unlocked this film</span>
      </summary>
      <ul>
        {active.map((d) => (
          <li key={d.id}>
            {d.name || 'Unnamed device'} <span className="muted small">added {formatDate(d.createdAt)}</span>{' '}
            <button type="button" className="button-secondary" onClick={() => void remove(d.id)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {error !== undefined && <ErrorMessage error={error} />}
    </details>
  );
}
