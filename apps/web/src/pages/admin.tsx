import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  listOrders,
  ORDER_PAGE_SIZE,
  priceHistory,
  refundOrder,
  removePrice,
  restore,
  setPrice,
  takeDown,
  type OrderFilter,
} from '../api/admin';
import { getCatalogBundle } from '../api/catalog';
import { ApiError } from '../api/client';
import { useSession } from '../api/session';
import type { AdminOrderView, CatalogBundleView, OrderStatus, RefundView } from '../api/types';
import { ErrorMessage, ListStates, Loading, Pagination } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { formatDate, formatMoney, minorPerUnit, parseMoney } from '../components/format';
import { ReleaseControl } from '../components/release-control';
import { usePageTitle } from '../components/page-title';
import { useResource } from '../components/use-resource';
import { STATUS_TEXT } from './studio';

export function AdminPage() {
  usePageTitle('Admin');
  const { hasRole } = useSession();
  const [opened, setOpened] = useState<string | null>(null);
  if (!hasRole('ADMIN'))
    return (
      <section className="page narrow">
        <h1>Admin</h1>
        <p>
          This page is for platform admins. <Link to="/account?next=/admin">Log in</Link> with an admin account.
        </p>
      </section>
    );
  return (
    <section className="page">
      <h1>Admin</h1>
      <OrdersAdmin onOpenBundle={setOpened} />
      <BundleAdmin opened={opened} onOpen={setOpened} />
    </section>
  );
}

const ORDER_STATE: Record<OrderStatus, string> = {
  PENDING: 'Pending',
  PAID: 'Paid',
  FAILED: 'Failed',
  EXPIRED: 'Expired',
  REFUNDED: 'Refunded',
};

/** Orders, searchable by buyer e-mail, bundle and state, each paid one with its Refund button. */
function OrdersAdmin({ onOpenBundle }: { onOpenBundle: (slug: string) => void }) {
  const [draft, setDraft] = useState<OrderFilter>({ buyer: '', bundle: '', status: '' });
  const [filter, setFilter] = useState<OrderFilter>(draft);
  const [page, setPage] = useState(1);
  const orders = useResource((signal) => listOrders(filter, page, signal), [filter, page]);
  const statusId = useId();
  return (
    <div className="panel">
      <h2>Orders</h2>
      <form
        role="search"
        aria-label="Search orders"
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setFilter({ ...draft });
        }}
      >
        <Field
          label="Buyer e-mail"
          name="buyer"
          type="search"
          placeholder="ana@example.com"
          value={draft.buyer}
          onChange={(e) => setDraft({ ...draft, buyer: e.target.value })}
        />
        <Field
          label="Bundle title or slug"
          name="bundle"
          type="search"
          value={draft.bundle}
          onChange={(e) => setDraft({ ...draft, bundle: e.target.value })}
        />
        <div className="field">
          <label htmlFor={statusId}>State</label>
          <select
            id={statusId}
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.target.value as OrderFilter['status'] })}
          >
            <option value="">Any</option>
            {Object.entries(ORDER_STATE).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ListStates list={orders} what="orders" empty={<p className="empty">No order matches.</p>}>
        {(rows) => (
          <table className="orders" aria-busy={orders.loading}>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Buyer</th>
                <th scope="col">Bundle</th>
                <th scope="col">Amount</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <OrderRow key={o.id} order={o} onOpenBundle={onOpenBundle} onChanged={orders.reload} />
              ))}
            </tbody>
          </table>
        )}
      </ListStates>
      <Pagination label="Order pages" page={page} rows={orders.data} pageSize={ORDER_PAGE_SIZE} onPage={setPage} />
    </div>
  );
}

/** One order; Refund asks once more (full amount, license revoked) before it calls Stripe. */
function OrderRow({
  order,
  onOpenBundle,
  onChanged,
}: {
  order: AdminOrderView;
  onOpenBundle: (slug: string) => void;
  onChanged: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<RefundView | null>(null);
  const refund = useFormSubmit([]);
  const amount = formatMoney(order.amount, order.currency);
  return (
    <tr data-order={order.id}>
      <td>{formatDate(order.createdAt)}</td>
      <td>
        {order.buyer.displayName}
        <br />
        <span className="muted small">{order.buyer.email}</span>
      </td>
      <td>
        <button type="button" className="link-button" onClick={() => onOpenBundle(order.bundle.slug)}>
          {order.bundle.title}
        </button>
      </td>
      <td>
        {amount}
        {order.amountRefunded > 0 && order.amountRefunded < order.amount && (
          <span className="muted small"> ({formatMoney(order.amountRefunded, order.currency)} refunded)</span>
        )}
      </td>
      <td>
        <span className={`badge badge-${order.status}`}>{ORDER_STATE[order.status]}</span>
        {order.licenseStatus && <span className="muted small"> license {order.licenseStatus.toLowerCase()}</span>}
        {order.disputeStatus && <span className="muted small"> · dispute {order.disputeStatus.toLowerCase()}</span>}
      </td>
      <td className="order-actions">
        {order.status === 'PAID' && !confirming && (
          <button
            type="button"
            className="button-small button-danger"
            aria-label={`Refund ${amount} to ${order.buyer.email}`}
            onClick={() => setConfirming(true)}
          >
            Refund
          </button>
        )}
        {order.status === 'PAID' && confirming && (
          <div className="confirm" role="group" aria-label="Confirm the refund">
            <p className="small">Refund {amount} in full through Stripe and revoke the license?</p>
            <button
              type="button"
              className="button-small button-danger"
              disabled={refund.busy}
              onClick={() =>
                void refund.run(async () => {
                  setResult(await refundOrder(order.id, { reason: 'requested_by_customer' }));
                  setConfirming(false);
                  onChanged();
                })
              }
            >
              {refund.busy ? 'Refunding…' : 'Confirm refund'}
            </button>{' '}
            <button
              type="button"
              className="button-small button-secondary"
              disabled={refund.busy}
              onClick={() => setConfirming(false)}
            >
              Cancel
            </button>
          </div>
        )}
        <FormError message={refund.formError} />
        {result && (
          <p className="small" role="status">
            Refund {result.refundStatus}.
          </p>
        )}
      </td>
    </tr>
  );
}

/** Price history, set price and takedown of one bundle, opened by slug or from an order. */
function BundleAdmin({ opened, onOpen }: { opened: string | null; onOpen: (slug: string) => void }) {
  const [slug, setSlug] = useState('');
  const bundle = useResource(async (signal) => (opened ? getCatalogBundle(opened, signal) : null), [opened]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (opened) heading.current?.scrollIntoView({ block: 'start' });
  }, [opened]);
  return (
    <div className="panel">
      <h2 ref={heading}>Bundle prices and takedowns</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (slug.trim()) onOpen(slug.trim());
        }}
      >
        <Field
          label="Bundle slug"
          name="slug"
          placeholder="night-train"
          required
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
        />
        <button type="submit">Open</button>
      </form>
      {bundle.error instanceof ApiError && bundle.error.status === 404 ? (
        <p className="form-error" role="alert">
          No bundle has the slug “{opened}”.
        </p>
      ) : (
        bundle.error !== undefined && <ErrorMessage error={bundle.error} onRetry={bundle.reload} />
      )}
      {opened && bundle.loading && !bundle.data && <Loading what="the bundle" />}
      {bundle.data && <BundleControls key={bundle.data.id} bundle={bundle.data} onChanged={bundle.reload} />}
    </div>
  );
}

function BundleControls({ bundle, onChanged }: { bundle: CatalogBundleView; onChanged: () => void }) {
  const history = useResource((signal) => priceHistory(bundle.id, signal), [bundle.id]);
  const price = bundle.price;
  const [currency, setCurrency] = useState(price?.currency ?? 'eur');
  const [amount, setAmount] = useState(price ? String(price.amount / minorPerUnit(price.currency)) : '');
  const [minimum, setMinimum] = useState(
    price?.minimum !== null && price?.minimum !== undefined ? String(price.minimum / minorPerUnit(price.currency)) : '',
  );
  const [reason, setReason] = useState('');
  const priceForm = useFormSubmit(['amount', 'currency', 'minimum']);
  const takedownForm = useFormSubmit(['reason']);
  const reload = () => {
    history.reload();
    onChanged();
  };
  return (
    <div className="bundle-admin">
      <h3>
        <Link to={`/b/${bundle.slug}`}>{bundle.title}</Link>{' '}
        <span className={`badge badge-${bundle.status}`}>{STATUS_TEXT[bundle.status] ?? bundle.status}</span>
      </h3>
      <p>
        Current price:{' '}
        <strong>
          {price
            ? `${formatMoney(price.amount, price.currency)}${price.minimum !== null ? ` (pay what you want from ${formatMoney(price.minimum, price.currency)})` : ''}`
            : 'not for sale'}
        </strong>
      </p>
      <form
        aria-label="Set price"
        onSubmit={priceForm.onSubmit(async () => {
          const a = parseMoney(amount, currency);
          if (a === null) return priceForm.setError('amount', 'amount must be a number such as 12.50');
          let m: number | undefined;
          if (minimum.trim()) {
            const parsed = parseMoney(minimum, currency);
            if (parsed === null) return priceForm.setError('minimum', 'minimum must be a number such as 5.00');
            m = parsed;
          }
          await setPrice(bundle.id, { amount: a, currency: currency.trim().toLowerCase(), minimum: m });
          reload();
        })}
      >
        <div className="inline-form">
          <Field label="Price" inputMode="decimal" {...priceForm.bind('amount', amount, setAmount)} />
          <Field label="Currency" {...priceForm.bind('currency', currency, setCurrency)} />
          <Field
            label="Pay-what-you-want minimum (optional)"
            inputMode="decimal"
            {...priceForm.bind('minimum', minimum, setMinimum)}
          />
        </div>
        <FormError message={priceForm.formError} />
        <div className="actions">
          <button type="submit" disabled={priceForm.busy}>
            Set price
          </button>
          {price && (
            <button
              type="button"
              className="button-secondary"
              disabled={priceForm.busy}
              onClick={() =>
                void priceForm.run(async () => {
                  await removePrice(bundle.id);
                  reload();
                })
              }
            >
              Take off sale
            </button>
          )}
        </div>
      </form>
      {bundle.releaseAt && (
        <>
          <h3>Premiere</h3>
          <ReleaseControl bundleId={bundle.id} releaseAt={bundle.releaseAt} onChanged={onChanged} />
        </>
      )}
      <h3>Price history</h3>
      <ListStates list={history} what="the price history" empty={<p className="muted">No price was ever set.</p>}>
        {(rows) => (
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Admin</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td>{formatDate(c.createdAt)}</td>
                  <td>{c.adminEmail}</td>
                  <td>{c.oldAmount !== null && c.oldCurrency ? formatMoney(c.oldAmount, c.oldCurrency) : '—'}</td>
                  <td>
                    {c.newAmount !== null && c.newCurrency ? formatMoney(c.newAmount, c.newCurrency) : 'off sale'}
                    {c.newMinimum !== null && c.newCurrency ? ` (min ${formatMoney(c.newMinimum, c.newCurrency)})` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListStates>
      <h3>Takedown</h3>
      {bundle.status === 'TAKEN_DOWN' ? (
        <div className="actions">
          <button
            type="button"
            className="button-secondary"
            disabled={takedownForm.busy}
            onClick={() =>
              void takedownForm.run(async () => {
                await restore(bundle.id);
                reload();
              })
            }
          >
            Restore bundle
          </button>
          <FormError message={takedownForm.formError} />
        </div>
      ) : (
        <form
          className="inline-form"
          aria-label="Take down"
          onSubmit={takedownForm.onSubmit(async () => {
            await takeDown(bundle.id, reason);
            setReason('');
            reload();
          })}
        >
          <Field label="Reason (shown to the creator)" required {...takedownForm.bind('reason', reason, setReason)} />
          <button type="submit" className="button-danger" disabled={takedownForm.busy}>
            Take down
          </button>
        </form>
      )}
      {bundle.status !== 'TAKEN_DOWN' && <FormError message={takedownForm.formError} />}
    </div>
  );
}
