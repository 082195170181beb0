import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { changePassword, createToken, listTokens, login, register, revokeToken } from '../api/account';
import { useSession } from '../api/session';
import type { CreatedTokenView, Role, SessionView } from '../api/types';
import { ListStates, Notice } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { formatDate } from '../components/format';
import { usePageTitle } from '../components/page-title';
import { useResource } from '../components/use-resource';

export function AccountPage() {
  const { user } = useSession();
  usePageTitle(user ? 'Your account' : 'Log in');
  return user ? <AccountSettings /> : <SignIn />;
}

/** Only same-site paths: `?next=https://evil` must not turn the login page into an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/library';
}

function SignIn() {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  return (
    <section className="page narrow">
      <h1>{mode === 'login' ? 'Log in' : 'Create an account'}</h1>
      <div className="tabs" role="tablist" aria-label="Log in or register">
        <button type="button" role="tab" aria-selected={mode === 'login'} onClick={() => setMode('login')}>
          Log in
        </button>
        <button type="button" role="tab" aria-selected={mode === 'register'} onClick={() => setMode('register')}>
          Register
        </button>
      </div>
      <div role="tabpanel">{mode === 'login' ? <LoginForm /> : <RegisterForm />}</div>
    </section>
  );
}

/** Keeps a new session and goes on: to `to`, else to the page `?next=` names, else to the library. */
function useEnterSession() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (session: SessionView, to?: string) => {
    signIn(session);
    void navigate(to ?? safeNext(params.get('next')));
  };
}

function LoginForm() {
  const enter = useEnterSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useFormSubmit(['email', 'password']);
  return (
    <form
      onSubmit={form.onSubmit(async () => {
        enter(await login({ email, password }));
      })}
    >
      <Field label="E-mail" type="email" autoComplete="username" required {...form.bind('email', email, setEmail)} />
      <Field
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        {...form.bind('password', password, setPassword)}
      />
      <FormError message={form.formError} />
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  );
}

function RegisterForm() {
  const enter = useEnterSession();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [creator, setCreator] = useState(false);
  const form = useFormSubmit(['email', 'password', 'displayName', 'roles']);
  return (
    <form
      onSubmit={form.onSubmit(async () => {
        const roles: Role[] = creator ? ['BUYER', 'CREATOR'] : ['BUYER'];
        enter(await register({ email, password, displayName, roles }), creator ? '/studio' : undefined);
      })}
    >
      <Field
        label="Name shown to others"
        autoComplete="nickname"
        required
        {...form.bind('displayName', displayName, setDisplayName)}
      />
      <Field label="E-mail" type="email" autoComplete="email" required {...form.bind('email', email, setEmail)} />
      <Field
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        {...form.bind('password', password, setPassword)}
      />
      <div className="checkbox">
        <input id="register-creator" type="checkbox" checked={creator} onChange={(e) => setCreator(e.target.checked)} />
        <label htmlFor="register-creator">I also want to sell my own films (creator account)</label>
      </div>
      <FormError message={form.formError} />
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Creating…' : 'Create account'}
      </button>
    </form>
  );
}

function AccountSettings() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  return (
    <section className="page narrow">
      <h1>Your account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{user!.displayName}</dd>
        <dt>E-mail</dt>
        <dd>{user!.email}</dd>
        <dt>Roles</dt>
        <dd>{user!.roles.map((r) => r.toLowerCase()).join(', ')}</dd>
      </dl>
      <button type="button" className="button-secondary" onClick={() => void signOut().then(() => navigate('/'))}>
        Log out
      </button>
      <ChangePasswordForm />
      <PersonalTokens />
    </section>
  );
}

function ChangePasswordForm() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [done, setDone] = useState(false);
  const form = useFormSubmit(['currentPassword', 'newPassword']);
  return (
    <form
      className="panel"
      aria-labelledby="change-password-title"
      onSubmit={form.onSubmit(async () => {
        setDone(false);
        await changePassword({ currentPassword, newPassword });
        setCurrent('');
        setNew('');
        setDone(true);
      })}
    >
      <h2 id="change-password-title">Change password</h2>
      <Field
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        {...form.bind('currentPassword', currentPassword, setCurrent)}
      />
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        {...form.bind('newPassword', newPassword, setNew)}
      />
      <FormError message={form.formError} />
      {done && <Notice kind="success">Password changed. Your other sessions were logged out.</Notice>}
      <button type="submit" disabled={form.busy}>
        Change password
      </button>
    </form>
  );
}

function PersonalTokens() {
  const tokens = useResource((signal) => listTokens(signal), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedTokenView | null>(null);
  const form = useFormSubmit(['name', 'expiresInDays']);
  const revoke = useFormSubmit([]);
  return (
    <section className="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Personal tokens</h2>
      <p className="muted">
        For the command line: <code>npx keyseed login --token &lt;token&gt;</code>. A token works until you revoke it.
      </p>
      <form
        className="inline-form"
        onSubmit={form.onSubmit(async () => {
          setCreated(await createToken({ name }));
          setName('');
          tokens.reload();
        })}
      >
        <Field label="Token name" placeholder="laptop CLI" required {...form.bind('name', name, setName)} />
        <button type="submit" disabled={form.busy}>
          Create token
        </button>
      </form>
      <FormError message={form.formError} />
      {created && (
        <Notice kind="success">
          New token “{created.name}” (shown once, copy it now): <code className="secret">{created.token}</code>
        </Notice>
      )}
      <ListStates list={tokens} what="your tokens">
        {(rows) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.prefix}…</code>
                  </td>
                  <td>{formatDate(t.createdAt)}</td>
                  <td>{formatDate(t.lastUsedAt)}</td>
                  <td>
                    {t.revokedAt ? (
                      `revoked ${formatDate(t.revokedAt)}`
                    ) : (
                      <button
                        type="button"
                        className="button-small button-danger"
                        disabled={revoke.busy}
                        onClick={() =>
                          void revoke.run(async () => {
                            await revokeToken(t.id);
                            tokens.reload();
                          })
                        }
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListStates>
      <FormError message={revoke.formError} />
    </section>
  );
}
