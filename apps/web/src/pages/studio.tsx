import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../api/session';
import { createBundle, listMyBundles } from '../api/studio';
import { ListStates } from '../components/feedback';
import { Field, FormError, useFormSubmit } from '../components/form';
import { formatDate } from '../components/format';
import { usePageTitle } from '../components/page-title';
import { useResource } from '../components/use-resource';

export const STATUS_TEXT: Record<string, string> = {
  DRAFT: 'Draft',
  PUBLISHING: 'Publishing',
  PUBLISHED: 'Published',
  UNLISTED: 'Unlisted',
  TAKEN_DOWN: 'Taken down',
};

export function StudioPage() {
  usePageTitle('Creator studio');
  const { user, hasRole } = useSession();
  if (!user || !hasRole('CREATOR'))
    return (
      <section className="page narrow">
        <h1>Creator studio</h1>
        <p>
          {user ? 'This account is not a creator account.' : <Link to="/account?next=/studio">Log in</Link>} The studio
          is where creators upload and publish their bundles.
        </p>
      </section>
    );
  return <Studio />;
}

function Studio() {
  const bundles = useResource((signal) => listMyBundles(signal), []);
  return (
    <section className="page">
      <h1>Creator studio</h1>
      <CreateBundleForm />
      <h2>Your bundles</h2>
      <ListStates
        list={bundles}
        what="your bundles"
        empty={<p className="empty">No bundle yet: create your first one above.</p>}
      >
        {(rows) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((b) => (
                <tr key={b.id}>
                  <td>
                    <Link to={`/studio/${b.id}`}>{b.title}</Link>
                  </td>
                  <td>
                    <span className={`badge badge-${b.status}`}>{STATUS_TEXT[b.status] ?? b.status}</span>
                  </td>
                  <td>{formatDate(b.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListStates>
    </section>
  );
}

function CreateBundleForm() {
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const form = useFormSubmit(['title', 'description', 'pieceLength']);
  return (
    <form
      className="panel"
      aria-labelledby="create-bundle-title"
      onSubmit={form.onSubmit(async () => {
        const b = await createBundle({ title, description });
        void navigate(`/studio/${b.id}`);
      })}
    >
      <h2 id="create-bundle-title">Create a bundle</h2>
      <Field label="Title" required {...form.bind('title', title, setTitle)} />
      <div className={`field${form.fieldErrors.description ? ' field-invalid' : ''}`}>
        <label htmlFor="bundle-description">Description</label>
        <textarea
          id="bundle-description"
          name="description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          aria-describedby={form.fieldErrors.description ? 'bundle-description-error' : undefined}
        />
        {form.fieldErrors.description && (
          <p className="field-error" id="bundle-description-error" role="alert">
            {form.fieldErrors.description}
          </p>
        )}
      </div>
      <FormError message={form.formError} />
      <button type="submit" disabled={form.busy}>
        Create bundle
      </button>
    </form>
  );
}
