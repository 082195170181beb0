import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { CATALOG_PAGE_SIZE, listCatalog } from '../api/catalog';
import type { CatalogSummaryView } from '../api/types';
import { ListStates, Pagination } from '../components/feedback';
import { formatBytes, formatMoney, webseedUrl } from '../components/format';
import { ReleaseCountdown } from '../components/release';
import { usePageTitle } from '../components/page-title';
import { useResource } from '../components/use-resource';

export function CatalogPage() {
  usePageTitle('');
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [draft, setDraft] = useState(query);
  useEffect(() => setDraft(query), [query]);
  const bundles = useResource((signal) => listCatalog(page, query, signal), [page, query]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (draft.trim()) next.set('q', draft.trim());
    setParams(next);
  };
  const goTo = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    setParams(next);
  };

  return (
    <section className="page">
      <div className="page-head">
        <h1>Catalog</h1>
        <form role="search" className="search" onSubmit={search}>
          <label htmlFor="catalog-search" className="visually-hidden">
            Search by title
          </label>
          <input
            id="catalog-search"
            type="search"
            placeholder="Search by title"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button type="submit">Search</button>
        </form>
      </div>
      <ListStates
        list={bundles}
        what="the catalog"
        empty={<p className="empty">{query ? `No bundle title matches “${query}”.` : 'Nothing is on sale yet.'}</p>}
      >
        {(rows) => (
          <ul className="cards" aria-busy={bundles.loading}>
            {rows.map((b) => (
              <li key={b.slug}>
                <BundleCard bundle={b} />
              </li>
            ))}
          </ul>
        )}
      </ListStates>
      <Pagination label="Catalog pages" page={page} rows={bundles.data} pageSize={CATALOG_PAGE_SIZE} onPage={goTo} />
    </section>
  );
}

export function priceLabel(price: CatalogSummaryView['price']): string {
  if (!price) return 'Not for sale';
  if (price.minimum !== null) return `Pay what you want from ${formatMoney(price.minimum, price.currency)}`;
  return formatMoney(price.amount, price.currency);
}

function BundleCard({ bundle }: { bundle: CatalogSummaryView }) {
  return (
    <Link to={`/b/${bundle.slug}`} className="card">
      <div className="card-poster">
        {bundle.posterPath ? (
          <img src={webseedUrl(bundle.slug, bundle.posterPath)} alt="" loading="lazy" />
        ) : (
          <span aria-hidden="true">{bundle.title.slice(0, 1).toUpperCase()}</span>
        )}
      </div>
      <div className="card-body">
        <h2>{bundle.title}</h2>
        <p className="muted">by {bundle.creator.displayName}</p>
        <ReleaseCountdown releaseAt={bundle.releaseAt} prefix="Premiere" className="badge badge-premiere" compact />
        <p className="card-meta">
          <span className="price">{priceLabel(bundle.price)}</span>
          <span className="muted">
            {bundle.itemCount} {bundle.itemCount === 1 ? 'file' : 'files'} · {formatBytes(bundle.totalSize)}
          </span>
        </p>
      </div>
    </Link>
  );
}
