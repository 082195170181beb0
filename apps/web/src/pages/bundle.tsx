import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { getCatalogBundle, startCheckout } from '../api/catalog';
import { listLicenses } from '../api/library';
import { ApiError } from '../api/client';
import { useSession } from '../api/session';
import type { CatalogBundleView, CatalogItemView } from '../api/types';
import { EmailGateBox } from '../components/email-gate';
import { ErrorMessage, Loading, Notice } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { formatBytes, formatMoney, minorPerUnit, parseMoney, webseedUrl } from '../components/format';
import { usePageTitle } from '../components/page-title';
import { ReleaseCountdown, useReleaseClock } from '../components/release';
import { untilRelease } from '../components/release-time';
import { useResource } from '../components/use-resource';
import { PreviewPlayer } from '../unlock/locked-item-actions';
import { priceLabel } from './catalog';

const VIDEO = /\.(mp4|m4v|webm|mov|ogv)$/i;
const IMAGE = /\.(jpe?g|png|webp|gif|avif)$/i;

export function BundlePage() {
  const { slug = '' } = useParams();
  const bundle = useResource((signal) => getCatalogBundle(slug, signal), [slug]);
  usePageTitle(bundle.data?.title ?? 'Bundle');

  if (bundle.error instanceof ApiError && bundle.error.status === 404)
    return (
      <section className="page narrow">
        <h1>Bundle not found</h1>
        <p>
          No bundle is published at this address: it may have been taken down or never existed. Browse the{' '}
          <Link to="/">catalog</Link>.
        </p>
      </section>
    );
  if (bundle.error !== undefined) return <ErrorMessage error={bundle.error} onRetry={bundle.reload} />;
  if (!bundle.data) return <Loading what="the bundle" />;
  const b = bundle.data;
  return (
    <article className="page bundle">
      <div className="bundle-head">
        <div>
          <h1>{b.title}</h1>
          <p className="muted">by {b.creator.displayName}</p>
        </div>
        {b.status === 'TAKEN_DOWN' && <Notice kind="warning">This bundle has been taken down.</Notice>}
      </div>
      <PremiereNotice bundle={b} />
      <div className="bundle-layout">
        <div>
          <FreeMedia bundle={b} />
          {b.description && <p className="description">{b.description}</p>}
          <h2>Files</h2>
          <table className="items">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Access</th>
              </tr>
            </thead>
            <tbody>
              {b.items.map((item) => (
                <tr key={item.path}>
                  <td>
                    <code>{item.path}</code>
                  </td>
                  <td>{formatBytes(item.size)}</td>
                  <td>
                    {item.locked ? (
                      <>
                        <span className="badge badge-locked">
                          Locked{item.previewPieces > 0 ? ` · free preview` : ''}
                        </span>
                        {item.previewPieces > 0 && b.torrents && (
                          <PreviewPlayer target={{ slug: b.slug, path: item.path }} />
                        )}
                      </>
                    ) : b.torrents ? (
                      <a href={webseedUrl(b.slug, item.torrentPath)} download>
                        Free download
                      </a>
                    ) : (
                      <span className="badge">Free</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <aside className="bundle-side">
          <EmailGateBox bundle={b} />
          <BuyBox bundle={b} />
          <DesktopRoutes bundle={b} />
        </aside>
      </div>
    </article>
  );
}

/** Before a premiere's release: when, and what a pre-order gives now. */
function PremiereNotice({ bundle }: { bundle: CatalogBundleView }) {
  const now = useReleaseClock(bundle.releaseAt);
  if (untilRelease(bundle.releaseAt, now) <= 0 || bundle.status === 'TAKEN_DOWN') return null;
  return (
    <div className="notice notice-info premiere" role="status">
      <p>
        <strong>Premiere.</strong> <ReleaseCountdown releaseAt={bundle.releaseAt} />
      </p>
      <p>
        Pre-order now: you pay today and the film is in your library, where it plays from the release on. The encrypted
        files are already out: download and seed them with any BitTorrent client, they unlock at the release.
      </p>
    </div>
  );
}

function freeItems(b: CatalogBundleView, pattern: RegExp): CatalogItemView[] {
  return b.torrents ? b.items.filter((i) => !i.locked && pattern.test(i.path)) : [];
}

/** Free trailers play straight from the webseed; free images show as posters. */
function FreeMedia({ bundle }: { bundle: CatalogBundleView }) {
  const videos = freeItems(bundle, VIDEO);
  const poster = freeItems(bundle, IMAGE)[0];
  if (!videos.length && !poster) return null;
  return (
    <div className="free-media">
      {videos.map((v) => (
        <figure key={v.path}>
          <video
            controls
            preload="metadata"
            src={webseedUrl(bundle.slug, v.torrentPath)}
            poster={poster ? webseedUrl(bundle.slug, poster.torrentPath) : undefined}
            aria-label={`Free: ${v.path}`}
          />
          <figcaption>{v.path} (free)</figcaption>
        </figure>
      ))}
      {!videos.length && poster && <img className="poster" src={webseedUrl(bundle.slug, poster.torrentPath)} alt="" />}
    </div>
  );
}

function BuyBox({ bundle }: { bundle: CatalogBundleView }) {
  const { user, hasRole } = useSession();
  const location = useLocation();
  const price = bundle.price;
  const pwyw = price?.minimum !== null && price?.minimum !== undefined;
  const [amount, setAmount] = useState(() => (price ? String(price.amount / minorPerUnit(price.currency)) : ''));
  const form = useFormSubmit(['amount']);
  const now = useReleaseClock(bundle.releaseAt);
  const preOrder = untilRelease(bundle.releaseAt, now) > 0;
  // A buyer who holds the bundle already is sent to it, not to a second checkout (which would be refunded).
  const licenses = useResource(
    async (signal) => (user && hasRole('BUYER') ? listLicenses(signal) : null),
    [user?.id, bundle.id],
  );
  const held = licenses.data?.find(
    (l) => l.bundle.id === bundle.id && l.status === 'ACTIVE' && l.source === 'PURCHASE',
  );

  if (held)
    return (
      <div className="buy-box">
        <p className="price">{preOrder ? 'Pre-ordered' : 'In your library'}</p>
        <p>
          <Link className="button" to={`/library#license-${held.id}`}>
            Open in your library
          </Link>
        </p>
        {preOrder && <p className="muted small">Watch and Download open there at the release.</p>}
      </div>
    );
  if (!price)
    return (
      <div className="buy-box">
        <p className="price">Not for sale</p>
        <p className="muted">The creator has not set a price yet.</p>
      </div>
    );
  if (bundle.status !== 'PUBLISHED' && bundle.status !== 'UNLISTED')
    return (
      <div className="buy-box">
        <p className="muted">This bundle cannot be bought now.</p>
      </div>
    );

  const buy = form.onSubmit(async () => {
    let minor: number | undefined;
    if (pwyw) {
      const parsed = parseMoney(amount, price.currency);
      if (parsed === null) {
        form.setError('amount', 'Enter an amount such as 12.50');
        return;
      }
      minor = parsed;
    }
    const checkout = await startCheckout(bundle.id, minor);
    window.location.assign(checkout.checkoutUrl);
  });

  return (
    <form className="buy-box" onSubmit={buy} aria-label="Buy">
      <p className="price">{priceLabel(price)}</p>
      {pwyw && (
        <Field
          label={`Your price (${price.currency.toUpperCase()})`}
          inputMode="decimal"
          hint={`At least ${formatMoney(price.minimum!, price.currency)}; suggested ${formatMoney(price.amount, price.currency)}.`}
          {...form.bind('amount', amount, setAmount)}
        />
      )}
      {!user ? (
        <p>
          <Link className="button" to={`/account?next=${encodeURIComponent(location.pathname)}`}>
            {preOrder ? 'Log in to pre-order' : 'Log in to buy'}
          </Link>
        </p>
      ) : !hasRole('BUYER') ? (
        <p className="muted">This account cannot buy (it has no buyer role).</p>
      ) : (
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Opening checkout…' : preOrder ? 'Pre-order' : 'Buy'}
        </button>
      )}
      <FormError message={form.formError} />
      <p className="muted small">
        {preOrder
          ? 'Payment by Stripe, now. You get the keys for every locked file from the release on, for life; a refund before the release is a refund as usual.'
          : 'Payment by Stripe. You get the keys for every locked file, for life.'}
      </p>
    </form>
  );
}

function DesktopRoutes({ bundle }: { bundle: CatalogBundleView }) {
  if (!bundle.torrents) return null;
  return (
    <section className="desktop-routes" aria-labelledby="desktop-routes-title">
      <h2 id="desktop-routes-title">Download with BitTorrent</h2>
      <ul>
        <li>
          <a href={bundle.torrents.hybrid.url} download>
            .torrent (hybrid v1+v2)
          </a>
          <span className="muted small"> for {bundle.torrents.hybrid.useWith}</span>
        </li>
        {bundle.torrents.v1 && (
          <li>
            <a href={bundle.torrents.v1.url} download>
              .torrent (v1 only)
            </a>
            <span className="muted small"> for {bundle.torrents.v1.useWith}</span>
          </li>
        )}
        {bundle.magnet && (
          <li>
            <a href={bundle.magnet}>Magnet link</a>
          </li>
        )}
      </ul>
      <p>Or in a terminal (buys if needed, downloads, unlocks):</p>
      <pre>
        <code>npx keyseed get {bundle.slug}</code>
      </pre>
      <p className="muted small">
        {bundle.swarm.seeders} seeding · {bundle.swarm.leechers} downloading
      </p>
    </section>
  );
}
