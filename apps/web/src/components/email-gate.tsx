import { useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { useSession } from '../api/session';
import type { CatalogBundleView } from '../api/types';
import { Notice } from './feedback';
import { Field, FormError, useFormSubmit } from './form';
import { useResource } from './use-resource';

interface EmailGate {
  enabled: boolean;
  wholeBundle: boolean;
  itemIds: string[];
}

interface Confirmed {
  email: string;
  licenseId: string | null;
}

/**
 * The email gate on a bundle page (README, email gate): an address form that e-mails a double opt-in
 * link, and, when the page is opened from that link (`?gate=<token>`), the Confirm button that adds
 * the bundle to the library of the account logged in here.
 */
export function EmailGateBox({ bundle }: { bundle: CatalogBundleView }) {
  const gate = useResource(
    (signal) => api<EmailGate>('GET', `/v1/bundles/${bundle.id}/email-gate`, { signal }),
    [bundle.id],
  );
  const [params] = useSearchParams();
  const token = params.get('gate');
  if (!gate.data?.enabled) return null;
  const locked = bundle.items.filter((i) => i.locked).length;
  const what = gate.data.wholeBundle ? 'the whole film' : `${gate.data.itemIds.length} of its ${locked} locked files`;
  return (
    <section className="buy-box email-gate" aria-labelledby="email-gate-title">
      <h2 id="email-gate-title">Free with your e-mail</h2>
      <p>
        {bundle.creator.displayName} gives {what} to anyone who confirms an e-mail address. Your address is shared with{' '}
        {bundle.creator.displayName}.
      </p>
      {token ? <ConfirmLink token={token} /> : <SignupForm bundleId={bundle.id} />}
    </section>
  );
}

function SignupForm({ bundleId }: { bundleId: string }) {
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<{ email: string; expiresAt: string } | null>(null);
  const form = useFormSubmit(['email']);
  const submit = form.onSubmit(async () => {
    const res = await api<{ expiresAt: string }>('POST', `/v1/bundles/${bundleId}/email-gate/signups`, {
      body: { email },
    });
    setSentTo({ email, expiresAt: res.expiresAt });
  });
  if (sentTo)
    return (
      <Notice kind="success">
        Check your inbox: a confirmation link is on its way to {sentTo.email} (it works until{' '}
        {new Date(sentTo.expiresAt).toLocaleString()}).
      </Notice>
    );
  return (
    <form onSubmit={submit} aria-label="Unlock with your e-mail">
      <Field
        label="Your e-mail address"
        type="email"
        autoComplete="email"
        required
        {...form.bind('email', email, setEmail)}
      />
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Sending…' : 'Send me the link'}
      </button>
      <FormError message={form.formError} />
    </form>
  );
}

/** Confirming takes a click (a mail scanner that opens the link confirms nothing). */
function ConfirmLink({ token }: { token: string }) {
  const { user } = useSession();
  const location = useLocation();
  const [done, setDone] = useState<Confirmed | null>(null);
  const form = useFormSubmit(['token']);
  const confirm = form.onSubmit(async () => {
    setDone(await api<Confirmed>('POST', '/v1/email-gate/confirm', { body: { token } }));
  });
  const here = `${location.pathname}${location.search}`;
  if (done?.licenseId)
    return (
      <Notice kind="success">
        {done.email} is confirmed and the film is in your <Link to="/library">library</Link>.
      </Notice>
    );
  return (
    <form onSubmit={confirm} aria-label="Confirm your e-mail">
      {done ? (
        <Notice kind="success">
          {done.email} is confirmed. <Link to={`/account?next=${encodeURIComponent(here)}`}>Log in or register</Link>,
          then confirm again here to add the film to your library.
        </Notice>
      ) : (
        <p>
          {user
            ? `Confirm your address to add the film to the library of ${user.displayName}.`
            : 'Confirm your address. To watch, log in or register first (or afterwards, with this same link).'}
        </p>
      )}
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Confirming…' : done ? 'Confirm again' : 'Confirm'}
      </button>
      {!user && !done && (
        <p className="small">
          <Link to={`/account?next=${encodeURIComponent(here)}`}>Log in or register first</Link>
        </p>
      )}
      <FormError message={form.formError} />
    </form>
  );
}
