import { spawn } from 'node:child_process';
import type { LicenseView, OrderView } from '../api-client';
import { ApiError } from '../api-client';
import { CliError, ExitCode } from '../cli-error';
import { bundleInfo, type BundleInfo } from './bundle-info';
import { describePrice } from './price';
import { requireLogin, type Session } from './session';
import { waitForLicense } from './wait-for-license';

export interface BuyOptions {
  amount?: number;
  wait: boolean;
  timeoutMs: number;
  log: (line: string) => void;
  /** Print the checkout URL on stdout (the one thing scripts need). */
  printUrl: (url: string) => void;
}

export type BuyOutcome =
  | { kind: 'owned'; bundle: BundleInfo; license: LicenseView }
  | { kind: 'paid'; bundle: BundleInfo; order: OrderView }
  | { kind: 'pending'; bundle: BundleInfo; orderId: string; checkoutUrl: string };

/** Starts (or skips, when a license is already held) the checkout of a bundle and waits for the license. */
export async function buyBundle(session: Session, slug: string, opts: BuyOptions): Promise<BuyOutcome> {
  requireLogin(session);
  const bundle = await bundleInfo(session.api, slug);
  const owned = (await session.api.licenses()).find((l) => l.bundle.id === bundle.id && l.status === 'ACTIVE');
  if (owned) return { kind: 'owned', bundle, license: owned };
  const price = describePrice(bundle.catalog.price ?? null);
  if (!price) throw new CliError(`"${bundle.title}" is not for sale right now (no price set)`, ExitCode.NotFound);

  let checkout: { orderId: string; checkoutUrl: string };
  try {
    checkout = await session.api.checkout(bundle.id, opts.amount);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409)
      throw new CliError(`cannot buy "${bundle.title}": ${err.serverMessage}`, ExitCode.Failure);
    if (err instanceof ApiError && err.status === 403)
      throw new CliError(
        `this account cannot buy (${err.serverMessage}); it needs the BUYER role`,
        ExitCode.Unauthorized,
      );
    throw err;
  }
  opts.log(`"${bundle.title}" — ${price}. Pay here:`);
  opts.printUrl(checkout.checkoutUrl);
  openInBrowser(checkout.checkoutUrl);
  if (!opts.wait) return { kind: 'pending', bundle, ...checkout };
  const order = await waitForLicense(session.api, checkout.orderId, { timeoutMs: opts.timeoutMs });
  return { kind: 'paid', bundle, order };
}

/** xdg-open, only when a person is at a graphical terminal; never fails the command. */
function openInBrowser(url: string): void {
  if (!process.stdout.isTTY || !process.env.DISPLAY || process.platform !== 'linux') return;
  try {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* no browser: the URL is printed */
  }
}
