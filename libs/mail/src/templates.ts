import { formatMinorUnits } from '@keyseed/paygate/currencies';
import type { MailMessage } from '@keyseed/queues/mail-messages';

/** What every template needs besides the message: the platform's public URL (links in the mail). */
export interface MailContext {
  publicUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * A mail body as a list of blocks, rendered once as plain text and once as simple HTML, so the two
 * parts always say the same thing. Text given here is plain: the HTML renderer escapes it.
 */
type Block =
  | { p: string }
  | { facts: Array<[string, string]> }
  | { heading: string }
  | { steps: string[] }
  | { commands: string[] }
  | { link: { label: string; url: string } };

interface Template {
  subject: string;
  blocks: Block[];
}

/** Subject, plain-text and HTML body of `message` (pure: no I/O, same input, same output). */
export function renderMail(message: MailMessage, ctx: MailContext): RenderedMail {
  const base = ctx.publicUrl.replace(/\/+$/, '');
  const t = template(message, base);
  const blocks = [...t.blocks, { p: `Keyseed · ${base}` }];
  return { subject: t.subject, text: renderText(blocks), html: renderHtml(t.subject, blocks) };
}

function template(message: MailMessage, base: string): Template {
  switch (message.kind) {
    case 'purchase-receipt': {
      const d = message.data;
      const facts: Array<[string, string]> = [
        ['Amount paid', money(d.amount, d.currency)],
        ['Fees', 'none for you: the price is all you pay (the platform takes its share from the creator)'],
        ['Order', d.orderId],
        ['Paid on', day(d.paidAt)],
      ];
      if (d.releaseAt) facts.push(['Releases', day(d.releaseAt)]);
      return {
        subject: d.releaseAt ? `Your pre-order receipt for "${d.bundleTitle}"` : `Your receipt for "${d.bundleTitle}"`,
        blocks: [
          { p: `Hello ${d.buyerName},` },
          d.releaseAt
            ? {
                p: `thank you for pre-ordering "${d.bundleTitle}". Your license is active; its keys are handed out from the release on, ${day(d.releaseAt)} (the creator may move it: your library always shows the current time). We will e-mail you when it is out. Until then you can already download the encrypted files below: they unlock at the release.`,
              }
            : { p: `thank you for buying "${d.bundleTitle}". Your license is active.` },
          { facts },
          { heading: 'How to download' },
          {
            steps: [
              d.releaseAt
                ? `In your browser, from the release on: open your library at ${base}/library and press Watch or Download (they open by themselves at the release).`
                : `In your browser: open your library at ${base}/library and press Watch or Download.`,
              'From the command line (downloads over BitTorrent, then decrypts on your device):',
            ],
          },
          { commands: [`npx keyseed login --api ${base}`, `npx keyseed get ${d.bundleSlug}`] },
          {
            p: `With any BitTorrent client: the torrent is at ${base}/v1/catalog/${d.bundleSlug}/torrent; then run "npx keyseed unlock <folder>" to decrypt what it downloaded.`,
          },
          { link: { label: 'Open your library', url: `${base}/library` } },
        ],
      };
    }
    case 'release-notice': {
      const d = message.data;
      return {
        subject: `"${d.bundleTitle}" is out: your pre-order is ready`,
        blocks: [
          { p: `Hello ${d.buyerName},` },
          {
            p: `"${d.bundleTitle}" was released on ${day(d.releasedAt)}. Your pre-order's keys are delivered now: press Watch or Download in your library.`,
          },
          { heading: 'Other ways' },
          {
            steps: [
              'From the command line (downloads over BitTorrent, then decrypts on your device; a "keyseed get" still waiting finishes by itself):',
            ],
          },
          { commands: [`npx keyseed get ${d.bundleSlug}`] },
          {
            p: 'Files you already downloaded with a BitTorrent client: run "npx keyseed unlock <folder>", or "Unlock files I downloaded" in your library.',
          },
          { link: { label: 'Open your library', url: `${base}/library` } },
        ],
      };
    }
    case 'refund-notice': {
      const d = message.data;
      return {
        subject: `Refund for "${d.bundleTitle}"`,
        blocks: [
          { p: `Hello ${d.buyerName},` },
          {
            p: d.automatic
              ? `you paid for "${d.bundleTitle}" a second time, or after its checkout had been closed, so this payment was refunded automatically. A license you already hold stays as it is.`
              : `your payment for "${d.bundleTitle}" was refunded. The license of this order is revoked: no more keys are delivered for it.`,
          },
          {
            facts: [
              ['Amount refunded', money(d.amountRefunded, d.currency)],
              ['Order', d.orderId],
            ],
          },
          { p: 'Depending on your bank, the money is back on your account within 5 to 10 business days.' },
        ],
      };
    }
    case 'sale-notice': {
      const d = message.data;
      return {
        subject: `You made a sale: "${d.bundleTitle}"`,
        blocks: [
          { p: `Hello ${d.creatorName},` },
          { p: `someone just bought "${d.bundleTitle}".` },
          {
            facts: [
              ['Gross', money(d.gross, d.currency)],
              ['Platform fee', money(d.fee, d.currency)],
              ['Your share', money(d.net, d.currency)],
              ['Order', d.orderId],
            ],
          },
          {
            p: d.platformSellerOfRecord
              ? 'The platform sold this bundle in its own name: no transfer is made to your payout account for it.'
              : 'Stripe transfers your share to your connected payout account; your earnings are at /v1/payouts/earnings and in your Express dashboard.',
          },
          { link: { label: 'Open your studio', url: `${base}/studio` } },
        ],
      };
    }
    case 'gift': {
      const d = message.data;
      return {
        subject: `${d.fromName} gave you "${d.bundleTitle}"`,
        blocks: [
          { p: `${d.fromName} gave you "${d.bundleTitle}" on Keyseed.` },
          ...(d.message ? [{ facts: [['Their note', d.message]] as Array<[string, string]> }] : []),
          {
            p: `Open the link below, log in or create an account, and the film is added to your library${d.expiresAt ? ` (the link works until ${day(d.expiresAt)})` : ''}.`,
          },
          { link: { label: 'Claim your gift', url: d.redeemUrl } },
        ],
      };
    }
    case 'redeem-code': {
      const d = message.data;
      return {
        subject: `Your code for "${d.bundleTitle}"`,
        blocks: [
          { p: `${d.fromName ? `${d.fromName} sent you` : 'Here is'} a code for "${d.bundleTitle}" on Keyseed.` },
          { facts: [['Code', d.code]] },
          { p: 'Open the link below, log in or create an account, and redeem it: the film is added to your library.' },
          { link: { label: 'Redeem your code', url: d.redeemUrl } },
        ],
      };
    }
    case 'email-gate-confirm': {
      const d = message.data;
      return {
        subject: `Confirm your e-mail to unlock "${d.bundleTitle}"`,
        blocks: [
          {
            p: `Someone (we hope you) asked to unlock "${d.bundleTitle}" by ${d.creatorName} with this e-mail address.`,
          },
          {
            p: `Open the link below and confirm: the film is added to the library of the account you are logged in with (or the one you log in to or create there). Your address is shared with ${d.creatorName}. The link works until ${day(d.expiresAt)}.`,
          },
          { link: { label: 'Confirm and unlock', url: d.confirmUrl } },
          { p: 'If you did not ask for this, ignore this e-mail: nothing happens without the confirmation.' },
        ],
      };
    }
  }
}

function money(amount: number, currency: string): string {
  return formatMinorUnits(amount, currency).replace(/[a-z]+$/, (c) => c.toUpperCase());
}

/** `2026-12-02 09:15 UTC`: one format whatever the server's locale. */
function day(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function renderText(blocks: Block[]): string {
  const parts = blocks.map((b) => {
    if ('p' in b) return b.p;
    if ('heading' in b) return `${b.heading}\n${'-'.repeat(b.heading.length)}`;
    if ('facts' in b) {
      const width = Math.max(...b.facts.map(([k]) => k.length));
      return b.facts.map(([k, v]) => `${`${k}:`.padEnd(width + 3)}${v}`).join('\n');
    }
    if ('steps' in b) return b.steps.map((s) => `- ${s}`).join('\n');
    if ('commands' in b) return b.commands.map((c) => `    ${c}`).join('\n');
    return `${b.link.label}: ${b.link.url}`;
  });
  return `${parts.join('\n\n')}\n`;
}

function renderHtml(subject: string, blocks: Block[]): string {
  const body = blocks.map((b) => {
    if ('p' in b) return `<p>${esc(b.p)}</p>`;
    if ('heading' in b) return `<h2 style="font-size:16px">${esc(b.heading)}</h2>`;
    if ('facts' in b)
      return `<table cellpadding="4">${b.facts
        .map(([k, v]) => `<tr><th align="left" valign="top">${esc(k)}</th><td>${esc(v)}</td></tr>`)
        .join('')}</table>`;
    if ('steps' in b) return `<ul>${b.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`;
    if ('commands' in b) return `<pre>${b.commands.map(esc).join('\n')}</pre>`;
    return `<p><a href="${esc(b.link.url)}">${esc(b.link.label)}</a></p>`;
  });
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${esc(subject)}</title></head>`,
    '<body style="font-family:sans-serif;line-height:1.5;max-width:40em">',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
