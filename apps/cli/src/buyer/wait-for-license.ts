import type { ApiClient, OrderView } from '../api-client';
import { CliError, ExitCode } from '../cli-error';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Polls the order until it is paid (→ its license id) or ends otherwise. A spinner is drawn on
 * stderr only when it is a terminal.
 */
export async function waitForLicense(
  api: ApiClient,
  orderId: string,
  opts: { timeoutMs: number; intervalMs?: number; stream?: NodeJS.WriteStream },
): Promise<OrderView> {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const deadline = Date.now() + opts.timeoutMs;
  let frame = 0;
  const spin = tty
    ? setInterval(
        () =>
          stream.write(
            `\r${FRAMES[frame++ % FRAMES.length]} waiting for the payment… (Ctrl-C stops waiting; the order stays open)`,
          ),
        100,
      )
    : undefined;
  try {
    for (;;) {
      const order = await api.order(orderId);
      if (order.status === 'PAID' && order.licenseId) return order;
      if (order.status === 'FAILED')
        throw new CliError(
          `the payment for order ${orderId} failed; nothing was charged. Run \`keyseed buy\` again to retry`,
          ExitCode.Failure,
        );
      if (order.status === 'EXPIRED')
        throw new CliError(
          `the checkout for order ${orderId} expired before it was paid; run \`keyseed buy\` again`,
          ExitCode.Failure,
        );
      if (order.status === 'REFUNDED')
        throw new CliError(`order ${orderId} was refunded; its license is revoked`, ExitCode.LicenseRevoked);
      if (Date.now() > deadline)
        throw new CliError(
          `order ${orderId} is still ${order.status} after ${Math.round(opts.timeoutMs / 1000)} s; once paid, \`keyseed unlock\` or \`keyseed get\` will find the license`,
          ExitCode.Failure,
        );
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
    }
  } finally {
    if (spin) {
      clearInterval(spin);
      stream.write('\r\x1b[K');
    }
  }
}
