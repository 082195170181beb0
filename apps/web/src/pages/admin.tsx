import { useState } from 'react';
import { Link } from 'react-router';
import { priceHistory, refundOrder, removePrice, restore, setPrice, takeDown } from '../api/admin';
import { getCatalogBundle } from '../api/catalog';
import { useSession } from '../api/session';
import type { CatalogBundleView, RefundView } from '../api/types';
import { ErrorMessage, Loading, Notice } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { formatDate, formatMoney, minorPerUnit, parseMoney } from '../components/format';
import { usePageTitle } from '../components/page-title';
import { useResource } from '../components/use-resource';
import { STATUS_TEXT } from './studio';

export function AdminPage() {
  usePageTitle('Admin');
  const { hasRole } = useSession();
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
      <BundleAdmin />
      <RefundForm />
    </section>
  );
}

function BundleAdmin() {
  const [slug, setSlug] = useState('');
  const [bundle, setBundle] = useState<CatalogBundleView | null>(null);
  const form = useFormSubmit(['slug']);
  const load = async (s: string) => setBundle(await getCatalogBundle(s));
  return (
    <div className="panel">
      <h2>Bundle prices and takedowns</h2>
      <form
        className="inline-form"
        onSubmit={form.onSubmit(async () => {
          setBundle(null);
          await load(slug.trim());
        })}
      >
        <Field
          label="Bundle slug"
          name="slug"
          placeholder="night-train"
          required
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          error={form.fieldErrors.slug}
        />
        <button type="submit" disabled={form.busy}>
          Open
        </button>
      </form>
      <FormError message={form.formError} />
      {bundle && <BundleControls key={bundle.id} bundle={bundle} onChanged={() => void load(bundle.slug)} />}
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
          <Field
            label="Price"
            name="amount"
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            error={priceForm.fieldErrors.amount}
          />
          <Field
            label="Currency"
            name="currency"
            value={currency}
            onChange={(e) => setCurrency(e.target.value)}
            error={priceForm.fieldErrors.currency}
          />
          <Field
            label="Pay-what-you-want minimum (optional)"
            name="minimum"
            inputMode="decimal"
            value={minimum}
            onChange={(e) => setMinimum(e.target.value)}
            error={priceForm.fieldErrors.minimum}
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
      <h3>Price history</h3>
      {history.error !== undefined && <ErrorMessage error={history.error} onRetry={history.reload} />}
      {history.loading && !history.data && <Loading what="the price history" />}
      {history.data?.length === 0 && <p className="muted">No price was ever set.</p>}
      {history.data && history.data.length > 0 && (
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
            {history.data.map((c) => (
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
          <Field
            label="Reason (shown to the creator)"
            name="reason"
            required
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            error={takedownForm.fieldErrors.reason}
          />
          <button type="submit" className="button-danger" disabled={takedownForm.busy}>
            Take down
          </button>
        </form>
      )}
      {bundle.status !== 'TAKEN_DOWN' && <FormError message={takedownForm.formError} />}
    </div>
  );
}

function RefundForm() {
  const [orderId, setOrderId] = useState('');
  const [note, setNote] = useState('');
  const [result, setResult] = useState<RefundView | null>(null);
  const form = useFormSubmit(['reason', 'note']);
  return (
    <form
      className="panel"
      aria-labelledby="refund-title"
      onSubmit={form.onSubmit(async () => {
        setResult(null);
        setResult(await refundOrder(orderId.trim(), { reason: 'requested_by_customer', note: note || undefined }));
      })}
    >
      <h2 id="refund-title">Refund an order</h2>
      <p className="muted">Refunds in full through Stripe; the buyer's license is revoked.</p>
      <Field label="Order id" name="orderId" required value={orderId} onChange={(e) => setOrderId(e.target.value)} />
      <Field
        label="Note for the audit log (optional)"
        name="note"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        error={form.fieldErrors.note}
      />
      <FormError message={form.formError} />
      {result && (
        <Notice kind="success">
          Refund {result.refundId}: {result.refundStatus}. The order is now {result.orderStatus.toLowerCase()}.
        </Notice>
      )}
      <button type="submit" className="button-danger" disabled={form.busy}>
        Refund
      </button>
    </form>
  );
}
