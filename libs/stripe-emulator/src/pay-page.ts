import { formatMinorUnits } from '@keyseed/paygate/currencies';
import { escapeHtml } from './http-io';
import { CHECKOUT_OUTCOMES } from './payment-flows';
import type { EmulatedCheckoutSession } from './stripe-objects';

/** The hosted "Checkout" page a session's `url` points at: the demo buyer picks how the payment ends. */
export function renderPayPage(session: EmulatedCheckoutSession): string {
  const id = escapeHtml(session.id);
  const amount = escapeHtml(formatMinorUnits(session.amount_total ?? 0, session.currency ?? 'usd'));
  const buttons =
    session.status === 'open'
      ? CHECKOUT_OUTCOMES.map((o) => `<button name="outcome" value="${o}">${o.replace('_', ' ')}</button>`).join(
          '\n      ',
        )
      : `<p>This session is ${escapeHtml(String(session.status))}.</p>`;
  const cancel =
    session.cancel_url && session.status === 'open'
      ? `<p><a href="${escapeHtml(session.cancel_url.replace('{CHECKOUT_SESSION_ID}', session.id))}">Cancel and go back</a></p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyseed test checkout</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{margin:.25rem;padding:.5rem 1rem}</style></head>
<body>
  <h1>Test checkout (Stripe emulator)</h1>
  <p>Session <code>${id}</code> — <strong>${amount}</strong></p>
  <form method="post" action="/_emulator/checkout/sessions/${id}/complete">
    <input type="hidden" name="redirect" value="1">
      ${buttons}
  </form>
  ${cancel}
</body></html>`;
}
