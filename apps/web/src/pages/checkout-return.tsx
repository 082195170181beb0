import { Link, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { getCatalogBundle } from '../api/catalog';
import { checkoutReturn, getOrder } from '../api/library';
import { useSession } from '../api/session';
import { ErrorMessage, Loading, Notice } from '../components/feedback';
import { formatBytes } from '../components/format';
import { usePageTitle } from '../components/page-title';
import { ReleaseGate } from '../components/release';
import { usePolling, useResource } from '../components/use-resource';
import { LockedItemActions } from '../unlock/locked-item-actions';

/** Where Stripe Checkout sends the browser back after paying: updates itself until the license is active. */
export function CheckoutSuccessPage() {
  usePageTitle('Thank you');
  const [params] = useSearchParams();
  const orderId = params.get('order_id') ?? '';
  const order = useResource((signal) => checkoutReturn(orderId, signal), [orderId]);
  usePolling(order.reload, 1500, order.data?.status === 'PENDING');

  if (order.error instanceof ApiError && (order.error.status === 404 || order.error.status === 400))
    return (
      <section className="page narrow">
        <h1>Order not found</h1>
        <p>This link does not name a Keyseed order.</p>
      </section>
    );
  if (order.error !== undefined && !order.data) return <ErrorMessage error={order.error} onRetry={order.reload} />;
  if (!order.data) return <Loading what="your order" />;
  const o = order.data;
  return (
    <section className="page narrow">
      <h1>Thanks for buying “{o.bundle.title}”</h1>
      {o.status === 'PAID' && (
        <>
          <Notice kind="success">Payment received: your license is active.</Notice>
          <PaidLicense orderId={o.orderId} slug={o.bundle.slug} title={o.bundle.title} />
        </>
      )}
      {o.status === 'PENDING' && (
        <Notice kind="info">
          <p>
            <strong>Still confirming your payment…</strong> Stripe is confirming it; this page updates by itself as soon
            as your license is active (bank transfers can take longer).
          </p>
        </Notice>
      )}
      {o.status !== 'PAID' && o.status !== 'PENDING' && (
        <Notice kind="warning">
          This order is {o.status.toLowerCase()}: no license was granted.{' '}
          <Link to={`/b/${o.bundle.slug}`}>Back to the bundle</Link>
        </Notice>
      )}
      <p className="muted">
        On a computer with a terminal: <code>npx keyseed get {o.bundle.slug}</code> downloads and unlocks it too.
      </p>
    </section>
  );
}

/**
 * The new license's Watch (and Download) buttons right here, when this browser is logged in as the
 * buyer: the film plays without a detour through the library.
 */
function PaidLicense({ orderId, slug, title }: { orderId: string; slug: string; title: string }) {
  const { user } = useSession();
  const order = useResource(async (signal) => (user ? getOrder(orderId, signal) : null), [orderId, user?.id]);
  const bundle = useResource((signal) => getCatalogBundle(slug, signal), [slug]);
  // The license row follows the payment within a moment; ask again until it is there.
  usePolling(order.reload, 1000, Boolean(order.data && !order.data.licenseId));
  if (!user)
    return (
      <p>
        <Link to={`/account?next=${encodeURIComponent(`/checkout/success?order_id=${orderId}`)}`}>Log in</Link> to watch
        it here or in your library.
      </p>
    );
  if (order.error instanceof ApiError && order.error.status === 403)
    return (
      <p>
        This order belongs to another account. <Link to="/library">Open your library</Link>.
      </p>
    );
  if (order.error !== undefined) return <ErrorMessage error={order.error} onRetry={order.reload} />;
  if (bundle.error !== undefined) return <ErrorMessage error={bundle.error} onRetry={bundle.reload} />;
  if (!order.data?.licenseId || !bundle.data) return <Loading what="your license" />;
  const license = { licenseId: order.data.licenseId, bundleId: bundle.data.id, slug, title };
  const locked = bundle.data.items.filter((i) => i.locked);
  return (
    <>
      <ReleaseGate releaseAt={bundle.data.releaseAt} slug={slug} refresh={bundle.reload}>
        {locked.map((item) => (
          <section key={item.path} className="license-item">
            <h2>
              <code>{item.path}</code> <span className="muted small">{formatBytes(item.size)}</span>
            </h2>
            <LockedItemActions
              target={{ ...license, path: item.path, torrentPath: item.torrentPath, size: item.size }}
            />
          </section>
        ))}
      </ReleaseGate>
      <p>
        <Link className="button button-secondary" to={`/library#license-${order.data.licenseId}`}>
          Open your library
        </Link>
      </p>
    </>
  );
}

export function CheckoutCancelPage() {
  usePageTitle('Checkout cancelled');
  const [params] = useSearchParams();
  const orderId = params.get('order_id') ?? '';
  const order = useResource((signal) => checkoutReturn(orderId, signal).catch(() => null), [orderId]);
  if (order.loading && !order.data) return <Loading what="your order" />;
  const o = order.data;
  return (
    <section className="page narrow">
      <h1>Checkout cancelled</h1>
      <p>You were not charged{o ? ` for “${o.bundle.title}”` : ''}.</p>
      {o && (
        <p>
          <Link className="button" to={`/b/${o.bundle.slug}`}>
            Back to {o.bundle.title}
          </Link>
        </p>
      )}
    </section>
  );
}
