import type { MailMessage, PurchaseReceiptMail } from '@keyseed/queues';
import { renderMail } from './templates';

const ctx = { publicUrl: 'https://films.example/' };
const orderId = '5a4b1f60-0000-4000-8000-000000000001';

describe('renderMail', () => {
  const receipt: PurchaseReceiptMail = {
    kind: 'purchase-receipt',
    to: 'ann@example.com',
    data: {
      orderId,
      buyerName: 'Ann',
      bundleTitle: 'Night Train',
      bundleSlug: 'night-train',
      amount: 1500,
      currency: 'eur',
      paidAt: '2026-12-02T09:15:42.000Z',
    },
  };

  it('purchase receipt: amount, no fees for the buyer, bundle, how to download', () => {
    const mail = renderMail(receipt, ctx);
    expect(mail.subject).toBe('Your receipt for "Night Train"');
    expect(mail.text).toContain('Amount paid:  15.00 EUR');
    expect(mail.text).toMatch(/Fees: +none for you: the price is all you pay/);
    expect(mail.text).toContain(`Order:        ${orderId}`);
    expect(mail.text).toContain('Paid on:      2026-12-02 09:15 UTC');
    expect(mail.text).toContain('https://films.example/library');
    expect(mail.text).toContain('    npx keyseed login --api https://films.example\n    npx keyseed get night-train');
    expect(mail.text).toContain('https://films.example/v1/catalog/night-train/torrent');
    expect(mail.html).toContain('<td>15.00 EUR</td>');
    expect(mail.html).toContain(
      '<pre>npx keyseed login --api https://films.example\nnpx keyseed get night-train</pre>',
    );
    expect(mail.html).toContain('<a href="https://films.example/library">Open your library</a>');
  });

  it('pre-order receipt: the release time, the notice to come, and the browser opening at the release', () => {
    const mail = renderMail({ ...receipt, data: { ...receipt.data, releaseAt: '2027-03-01T18:00:00.000Z' } }, ctx);
    expect(mail.subject).toBe('Your pre-order receipt for "Night Train"');
    expect(mail.text).toContain('thank you for pre-ordering "Night Train"');
    expect(mail.text).toContain('Releases:     2027-03-01 18:00 UTC');
    expect(mail.text).toContain('We will e-mail you when it is out');
    expect(mail.text).toContain(
      'In your browser, from the release on: open your library at https://films.example/library',
    );
    expect(mail.html).toContain('<td>2027-03-01 18:00 UTC</td>');
  });

  it('release notice: released when, the library, the CLI and the unlock of files already downloaded', () => {
    const mail = renderMail(
      {
        kind: 'release-notice',
        to: 'ann@example.com',
        data: {
          buyerName: 'Ann',
          bundleTitle: 'Night Train',
          bundleSlug: 'night-train',
          releasedAt: '2027-03-01T18:00:00.000Z',
        },
      },
      ctx,
    );
    expect(mail.subject).toBe('"Night Train" is out: your pre-order is ready');
    expect(mail.text).toContain('"Night Train" was released on 2027-03-01 18:00 UTC');
    expect(mail.text).toContain('    npx keyseed get night-train');
    expect(mail.text).toContain('npx keyseed unlock <folder>');
    expect(mail.html).toContain('<a href="https://films.example/library">Open your library</a>');
    expect(mail.html).toContain('&#34;Night Train&#34; was released');
  });

  it('formats zero-decimal currencies without decimals', () => {
    const mail = renderMail(
      {
        kind: 'refund-notice',
        to: 'b@example.com',
        data: {
          orderId,
          buyerName: 'Bo',
          bundleTitle: 'Tokyo',
          bundleSlug: 'tokyo',
          amountRefunded: 500,
          currency: 'jpy',
          automatic: false,
        },
      },
      ctx,
    );
    expect(mail.subject).toBe('Refund for "Tokyo"');
    expect(mail.text).toContain('Amount refunded:  500 JPY');
    expect(mail.text).toContain('license of this order is revoked');
  });

  it('an automatic refund says why and that a held license stays', () => {
    const mail = renderMail(
      {
        kind: 'refund-notice',
        to: 'b@example.com',
        data: {
          orderId,
          buyerName: 'Bo',
          bundleTitle: 'Tokyo',
          bundleSlug: 'tokyo',
          amountRefunded: 900,
          currency: 'usd',
          automatic: true,
        },
      },
      ctx,
    );
    expect(mail.text).toContain('refunded automatically');
    expect(mail.text).toContain('A license you already hold stays as it is');
  });

  it("creator's sale notice: gross, fee, net", () => {
    const mail = renderMail(
      {
        kind: 'sale-notice',
        to: 'c@example.com',
        data: {
          orderId,
          creatorName: 'Cleo',
          bundleTitle: 'Night Train',
          bundleSlug: 'night-train',
          gross: 1500,
          fee: 150,
          net: 1350,
          currency: 'usd',
          platformSellerOfRecord: false,
        },
      },
      ctx,
    );
    expect(mail.subject).toBe('You made a sale: "Night Train"');
    expect(mail.text).toContain('Gross:         15.00 USD');
    expect(mail.text).toContain('Platform fee:  1.50 USD');
    expect(mail.text).toContain('Your share:    13.50 USD');
    expect(mail.text).toContain('Stripe transfers your share');
  });

  it('gift and redeem-code e-mails carry their link and code', () => {
    const gift = renderMail(
      {
        kind: 'gift',
        to: 'd@example.com',
        data: {
          bundleTitle: 'Night Train',
          bundleSlug: 'night-train',
          fromName: 'Eve',
          message: 'Happy birthday <3',
          redeemUrl: 'https://films.example/redeem?gift=abc',
          expiresAt: null,
        },
      },
      ctx,
    );
    expect(gift.subject).toBe('Eve gave you "Night Train"');
    expect(gift.text).toContain('Their note:  Happy birthday <3');
    expect(gift.html).toContain('Happy birthday &#60;3');
    expect(gift.html).toContain('<a href="https://films.example/redeem?gift=abc">Claim your gift</a>');

    const code = renderMail(
      {
        kind: 'redeem-code',
        to: 'd@example.com',
        data: {
          bundleTitle: 'Night Train',
          bundleSlug: 'night-train',
          code: 'KS-ABCD-EFGH',
          redeemUrl: 'https://films.example/redeem?code=KS-ABCD-EFGH',
          fromName: null,
        },
      },
      ctx,
    );
    expect(code.text).toContain('Here is a code for "Night Train"');
    expect(code.text).toContain('Code:  KS-ABCD-EFGH');
    expect(code.text).toContain('Redeem your code: https://films.example/redeem?code=KS-ABCD-EFGH');
  });

  it('email-gate confirmation: the link, its expiry, and that the address goes to the creator', () => {
    const mail = renderMail(
      {
        kind: 'email-gate-confirm',
        to: 'fan@example.com',
        data: {
          bundleTitle: 'Night Train',
          bundleSlug: 'night-train',
          creatorName: 'Cleo',
          confirmUrl: 'https://films.example/b/night-train?gate=tok',
          expiresAt: '2026-12-05T09:00:00.000Z',
        },
      },
      ctx,
    );
    expect(mail.subject).toBe('Confirm your e-mail to unlock "Night Train"');
    expect(mail.text).toContain('Confirm and unlock: https://films.example/b/night-train?gate=tok');
    expect(mail.text).toContain('Your address is shared with Cleo');
    expect(mail.text).toContain('2026-12-05 09:00 UTC');
    expect(mail.text).toContain('nothing happens without the confirmation');
  });

  it('escapes every value in the HTML part (titles and names are user input)', () => {
    const message: MailMessage = {
      kind: 'sale-notice',
      to: 'c@example.com',
      data: {
        orderId,
        creatorName: '<script>alert(1)</script>',
        bundleTitle: 'A "quoted" & <b>bold</b> title',
        bundleSlug: 'x',
        gross: 100,
        fee: 0,
        net: 100,
        currency: 'usd',
        platformSellerOfRecord: true,
      },
    };
    const mail = renderMail(message, ctx);
    expect(mail.html).not.toMatch(/<script>|<b>bold/);
    expect(mail.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(mail.html).toContain('A &#34;quoted&#34; &#38; &#60;b&#62;bold&#60;/b&#62; title');
    expect(mail.text).toContain('<script>alert(1)</script>');
    expect(mail.text).toContain('no transfer is made to your payout account');
  });
});
