import { useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { useSession } from '../api/session';
import { Notice } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { usePageTitle } from '../components/page-title';

interface Redeemed {
  source: 'REDEEM' | 'GIFT';
  licenseId: string;
  bundleSlug: string;
}

/**
 * Redeem codes and gift links (`/redeem?code=…`, the link a gift e-mail carries): the code is taken
 * into the account logged in here, which then holds the license (README, codes and gifts).
 */
export function RedeemPage() {
  usePageTitle('Redeem a code');
  const [params] = useSearchParams();
  const location = useLocation();
  const { user } = useSession();
  const [code, setCode] = useState(params.get('code') ?? '');
  const [done, setDone] = useState<Redeemed | null>(null);
  const form = useFormSubmit(['code']);
  const submit = form.onSubmit(async () => {
    setDone(await api<Redeemed>('POST', '/v1/redeem', { body: { code } }));
  });
  const here = `${location.pathname}${location.search}`;

  return (
    <section className="page narrow">
      <h1>Redeem a code or a gift</h1>
      {done ? (
        <Notice kind="success">
          {done.source === 'GIFT' ? 'Your gift is claimed' : 'Code redeemed'}: the film is in your{' '}
          <Link to="/library">library</Link> (<Link to={`/b/${done.bundleSlug}`}>bundle page</Link>).
        </Notice>
      ) : !user ? (
        <Notice kind="info">
          The film goes to your account:{' '}
          <Link to={`/account?next=${encodeURIComponent(here)}`}>log in or register</Link> first, then come back to this
          page.
        </Notice>
      ) : (
        <form onSubmit={submit} aria-label="Redeem a code">
          <p>It goes to the library of {user.displayName}. Each code can be used once.</p>
          <Field label="Code" autoComplete="off" spellCheck={false} required {...form.bind('code', code, setCode)} />
          <button type="submit" disabled={form.busy}>
            {form.busy ? 'Redeeming…' : 'Redeem'}
          </button>
          <FormError message={form.formError} />
        </form>
      )}
    </section>
  );
}
