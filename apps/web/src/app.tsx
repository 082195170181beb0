import { useEffect } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router';
import { useSession } from './api/session';
import { AccountPage } from './pages/account';
import { AdminPage } from './pages/admin';
import { BundlePage } from './pages/bundle';
import { CatalogPage } from './pages/catalog';
import { CheckoutCancelPage, CheckoutSuccessPage } from './pages/checkout-return';
import { StudioPage } from './pages/studio';
import { StudioBundlePage } from './pages/studio-bundle';
import { LibraryPage } from './pages/library';
import { NotFoundPage } from './pages/not-found';
import { RedeemPage } from './pages/redeem';

/** Every page of the app; the API serves index.html for each of these paths (apps/api/src/web-app). */
export function App() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <SessionExpiredNotice />
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<CatalogPage />} />
          <Route path="/b/:slug" element={<BundlePage />} />
          <Route path="/account" element={<AccountPage />} />
          <Route path="/studio" element={<StudioPage />} />
          <Route path="/studio/:id" element={<StudioBundlePage />} />
          <Route path="/admin" element={<AdminPage />} />
          <Route path="/checkout/success" element={<CheckoutSuccessPage />} />
          <Route path="/checkout/cancel" element={<CheckoutCancelPage />} />
          <Route path="/library" element={<LibraryPage />} />
          <Route path="/redeem" element={<RedeemPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
      <footer className="site-footer">
        <p>
          Keyseed sells keys, not files: torrents are public, every piece is verified before it is decrypted.{' '}
          <a href="/docs">API documentation</a>
        </p>
      </footer>
      <TitleOnNavigate />
    </>
  );
}

function Header() {
  const { user, hasRole } = useSession();
  return (
    <header className="site-header">
      <Link to="/" className="brand">
        <img src="/favicon.svg" alt="" width={28} height={28} />
        Keyseed
      </Link>
      <nav aria-label="Main">
        <NavLink to="/" end>
          Catalog
        </NavLink>
        {user && <NavLink to="/library">Library</NavLink>}
        {hasRole('CREATOR') && <NavLink to="/studio">Studio</NavLink>}
        {hasRole('ADMIN') && <NavLink to="/admin">Admin</NavLink>}
        <NavLink to="/account">{user ? user.displayName : 'Log in'}</NavLink>
      </nav>
    </header>
  );
}

function SessionExpiredNotice() {
  const { expired, user } = useSession();
  if (!expired || user) return null;
  return (
    <div className="notice notice-warning session-expired" role="alert">
      Your session has expired. <Link to="/account">Log in again</Link> to continue.
    </div>
  );
}

/** Moves focus to the page on navigation so screen readers announce the new page. */
function TitleOnNavigate() {
  const { pathname } = useLocation();
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [pathname]);
  return null;
}
