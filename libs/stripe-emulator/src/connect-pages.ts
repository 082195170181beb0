import { escapeHtml } from './http-io';
import type { EmulatedAccount } from './stripe-objects';

const STYLE =
  '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{margin:.25rem;padding:.5rem 1rem}</style>';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${STYLE}</head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * The hosted Express onboarding an account link points at: the account holder either completes it
 * (charges and payouts enabled) or leaves requirements due, then returns to the platform.
 */
export function renderOnboardingPage(link: { account: EmulatedAccount; returnUrl: string | null } | null): string {
  if (!link)
    return page(
      'Onboarding link expired',
      '<p>This link has expired or was already used; ask the platform for a new one.</p>',
    );
  const id = escapeHtml(link.account.id);
  const returnUrl = link.returnUrl
    ? `<input type="hidden" name="return_url" value="${escapeHtml(link.returnUrl)}">`
    : '';
  return page(
    'Test Express onboarding (Stripe emulator)',
    `<p>Account <code>${id}</code>${link.account.email ? ` for ${escapeHtml(link.account.email)}` : ''}.</p>
  <form method="post" action="/_emulator/accounts/${id}/onboard">
    <input type="hidden" name="redirect" value="1">${returnUrl}
    <button name="outcome" value="complete">complete onboarding</button>
    <button name="outcome" value="incomplete">leave requirements due</button>
  </form>`,
  );
}

/** What the Express dashboard's login link opens. */
export function renderDashboardPage(account: EmulatedAccount): string {
  return page(
    'Test Express dashboard (Stripe emulator)',
    `<p>Account <code>${escapeHtml(account.id)}</code>: charges ${account.charges_enabled ? 'enabled' : 'disabled'}, payouts ${account.payouts_enabled ? 'enabled' : 'disabled'}.</p>`,
  );
}
