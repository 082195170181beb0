import { Link } from 'react-router';
import { usePageTitle } from '../components/page-title';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <section className="page narrow">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. Go back to the <Link to="/">catalog</Link>.
      </p>
    </section>
  );
}
