import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { ApiClient, NotReleasedError } from '../api-client';
import { CliError, ExitCode } from '../cli-error';
import { readLine, readSecret } from '../prompt';
import { buyBundle } from './buy';
import { ConfigStore, normalizeApiBase } from './config-store';
import { downloadTorrent, formatBytes, progressLine } from './download/download-torrent';
import { openSession } from './session';
import { resolveTorrentSource } from './torrent-source';
import { untilText, unlockBundle, type UnlockOptions, type UnlockSummary } from './unlock/unlock-bundle';

const log = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

function positiveInt(what: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what} must be a whole number, got "${v}"`);
    return Number(v);
  };
}

/** `keyseed login | buy | download | unlock | get`: the buyer's commands. */
export function registerBuyerCommands(program: Command): void {
  program
    .command('login')
    .description(
      "Log in to a Keyseed platform: stores a personal token and this device's X25519 key in $XDG_CONFIG_HOME/keyseed (0600)",
    )
    .option('--api <url>', 'platform URL, e.g. https://keyseed.example (default: KEYSEED_API or the last login)')
    .option('--email <email>', 'account e-mail (prompted when omitted)')
    .option('--token <token>', 'a personal API token instead of e-mail + password (or KEYSEED_TOKEN)')
    .action(async (opts: { api?: string; email?: string; token?: string }) => {
      const store = new ConfigStore();
      const raw = opts.api ?? process.env.KEYSEED_API ?? store.credentials()?.api;
      if (!raw) throw new CliError('--api <url> is required for the first login (or set KEYSEED_API)', ExitCode.Usage);
      const base = normalizeApiBase(raw);
      const api = new ApiClient(base);
      const given = opts.token ?? process.env.KEYSEED_TOKEN;
      let token: string;
      let email: string;
      if (given) {
        token = given.trim();
        email = (await api.withToken(token).me()).email;
      } else {
        email = (opts.email ?? (await readLine('E-mail: '))).trim();
        if (!email) throw new CliError('an e-mail address is needed (--email)', ExitCode.Usage);
        const password = await readSecret('Password: ');
        const session = await api.login(email, password);
        try {
          token = (
            await api
              .withToken(session.token)
              .createPersonalToken(`keyseed CLI ${new Date().toISOString().slice(0, 10)}`)
          ).token;
        } catch {
          token = session.token; // a session token still works until it expires
        }
      }
      store.saveCredentials({ api: base, token, email });
      store.device();
      out(`logged in to ${base} as ${email} (credentials and device key in ${store.dir})`);
    });

  program
    .command('buy')
    .description('Buy a bundle: prints the checkout URL and waits for the payment to turn into a license')
    .argument('<bundle>', 'bundle slug or URL')
    .option(
      '--amount <minor-units>',
      'pay-what-you-want bundles: what you pay, in minor units (1500 = 15.00)',
      positiveInt('--amount'),
    )
    .option('--no-wait', 'print the checkout URL and return without waiting for the payment')
    .option('--timeout <seconds>', 'how long to wait for the payment', positiveInt('--timeout'), 1800)
    .option('--api <url>', 'platform URL (default: your login)')
    .action(async (ref: string, opts: { amount?: number; wait: boolean; timeout: number; api?: string }) => {
      const { slug, api } = slugOf(ref, opts.api);
      const session = openSession({ api });
      const r = await buyBundle(session, slug, {
        amount: opts.amount,
        wait: opts.wait,
        timeoutMs: opts.timeout * 1000,
        log,
        printUrl: out,
      });
      if (r.kind === 'owned')
        out(
          `you already own "${r.bundle.title}" (license ${r.license.id}); \`keyseed get ${r.bundle.slug}\` downloads and unlocks it`,
        );
      else if (r.kind === 'paid')
        out(`paid: license ${r.order.licenseId} for "${r.bundle.title}". Next: keyseed get ${r.bundle.slug}`);
      else log(`order ${r.orderId} is waiting for the payment; once paid, run: keyseed get ${r.bundle.slug}`);
    });

  program
    .command('download')
    .description(
      'Download a bundle over BitTorrent (tracker + webseed + peers) into <dir>/<slug>/, verifying every piece; resumable after Ctrl-C',
    )
    .argument('<bundle>', 'bundle slug, bundle URL, magnet link or .torrent file')
    .argument('[dir]', 'target folder', '.')
    .option('--seed', 'keep seeding after the download until Ctrl-C')
    .option(
      '--stall-timeout <seconds>',
      'give up when nothing arrives for this long',
      positiveInt('--stall-timeout'),
      120,
    )
    .option('--limit-rate <bytes-per-second>', 'cap the download speed', positiveInt('--limit-rate'))
    .option('--api <url>', 'platform URL (default: your login)')
    .action(
      async (
        ref: string,
        dir: string,
        opts: { seed?: boolean; stallTimeout: number; limitRate?: number; api?: string },
      ) => {
        await runDownload(ref, dir, opts);
      },
    );

  program
    .command('unlock')
    .description(
      'Decrypt a downloaded bundle (from any BitTorrent client) with your license: every .locked file is verified and restored next to it',
    )
    .argument('<dir>', 'the download folder (holding keyseed.json, directly or in <slug>/)')
    .option('--out <dir>', 'write the unlocked files here instead of next to the .locked ones')
    .option('--preview', 'without a license: unlock only the free preview pieces into <path>.preview')
    .option('--api <url>', 'platform URL (default: your login, else the one in keyseed.json)')
    .action(async (dir: string, opts: { out?: string; preview?: boolean; api?: string }) => {
      report(await unlockBundle(dir, { ...opts, log }));
    });

  program
    .command('get')
    .description('Buy (if needed), download and unlock a bundle in one go')
    .argument('<bundle>', 'bundle slug or URL')
    .argument('[dir]', 'target folder', '.')
    .addOption(
      new Option('--amount <minor-units>', 'pay-what-you-want amount in minor units').argParser(
        positiveInt('--amount'),
      ),
    )
    .option('--out <dir>', 'write the unlocked files here')
    .option('--seed', 'keep seeding after unlocking until Ctrl-C')
    .option('--timeout <seconds>', 'how long to wait for the payment', positiveInt('--timeout'), 1800)
    .option(
      '--no-wait-release',
      'premieres: after the download, print when to run `keyseed unlock` instead of waiting for the release',
    )
    .option('--api <url>', 'platform URL (default: your login)')
    .action(
      async (
        ref: string,
        dir: string,
        opts: {
          amount?: number;
          out?: string;
          seed?: boolean;
          timeout: number;
          waitRelease: boolean;
          api?: string;
        },
      ) => {
        const { slug, api } = slugOf(ref, opts.api);
        const session = openSession({ api });
        const r = await buyBundle(session, slug, {
          amount: opts.amount,
          wait: true,
          timeoutMs: opts.timeout * 1000,
          log,
          printUrl: out,
        });
        log(
          r.kind === 'owned'
            ? `license ${r.license.id}: you own "${r.bundle.title}"`
            : `paid: license ${r.kind === 'paid' ? r.order.licenseId : ''}`,
        );
        const result = await runDownload(slug, dir, { api: session.api.base, stallTimeout: 120 });
        const folder = resolve(dir, result.name);
        report(await unlockAtRelease(folder, { out: opts.out, api: session.api.base, log }, opts.waitRelease));
        if (opts.seed) await runDownload(slug, dir, { api: session.api.base, seed: true, stallTimeout: 120 });
      },
    );
}

/** Longest single wait before asking the API again (a moved releaseAt is seen within this). */
const RELEASE_POLL_MS = 10 * 60_000;
/**
 * Spread of the first request after a release (up to 10 % of the wait, at most 20 s), so a
 * premiere's buyers do not all ask in the same second.
 */
const RELEASE_JITTER_MS = 20_000;

/**
 * `unlockBundle`, and for a premiere that is not released yet: wait until its releaseAt (asking
 * again at least every 10 minutes, so a moved release is followed), or with `wait` false say when
 * to run unlock. The download is already complete either way.
 */
async function unlockAtRelease(folder: string, opts: UnlockOptions, wait: boolean): Promise<UnlockSummary> {
  for (;;) {
    try {
      return await unlockBundle(folder, opts);
    } catch (err) {
      if (!(err instanceof NotReleasedError)) throw err;
      if (!wait)
        throw new NotReleasedError(
          `${err.message}: \`keyseed unlock ${folder}\` at ${err.releaseAt.toISOString()} or later`,
          err.releaseAt,
        );
      const untilRelease = Math.max(0, err.releaseAt.getTime() - Date.now());
      log(
        `premiere at ${err.releaseAt.toISOString()}: downloaded to ${folder}, keys come at the release; waiting ${untilText(err.releaseAt)} to unlock (Ctrl-C is safe: \`keyseed unlock ${folder}\` later does the same)`,
      );
      const ms =
        untilRelease > RELEASE_POLL_MS
          ? RELEASE_POLL_MS
          : Math.max(0, untilRelease) + Math.random() * RELEASE_JITTER_MS;
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

function slugOf(ref: string, api?: string): { slug: string; api?: string } {
  const m = /^https?:\/\/[^/]+(.*?)\/(?:v1\/)?(?:catalog|bundles|b)\/([^/?#]+)/i.exec(ref);
  if (m) return { slug: decodeURIComponent(m[2]), api: api ?? new URL(ref).origin + m[1] };
  return { slug: ref, api };
}

async function runDownload(
  ref: string,
  dir: string,
  opts: { seed?: boolean; stallTimeout: number; limitRate?: number; api?: string },
) {
  const source = await resolveTorrentSource(ref, opts.api);
  const tty = process.stderr.isTTY === true;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  let lastLine = 0;
  try {
    const result = await downloadTorrent(source.torrent, {
      dir: resolve(dir),
      seed: opts.seed,
      stallMs: opts.stallTimeout * 1000,
      signal: abort.signal,
      downloadLimit: opts.limitRate,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
        else if (Date.now() - lastLine > 10_000 || p.done) {
          lastLine = Date.now();
          log(progressLine(p));
        }
      },
    });
    if (tty) process.stderr.write('\n');
    out(
      `downloaded ${result.name} (${formatBytes(result.length)}) to ${resolve(dir, result.name)}: received ${result.received} bytes, ${result.alreadyVerified} bytes were already verified on disk, ${(result.ms / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }
}

function report(s: UnlockSummary): void {
  for (const r of s.results) {
    const what =
      r.status === 'already-unlocked'
        ? 'already unlocked'
        : r.status === 'preview'
          ? `preview unlocked (${formatBytes(r.bytes)})`
          : `unlocked and verified (${formatBytes(r.bytes)}, ${r.piecesVerified} pieces checked against the torrent, ${(r.ms / 1000).toFixed(1)} s)`;
    out(`${r.path}: ${what} → ${r.outPath}`);
  }
  out(`"${s.manifest.title}" unlocked in ${s.outDir}`);
}
