import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Upload } from 'tus-js-client';
import { sha256File } from '../buyer/unlock/unlock-item';
import { jsonCall } from './json-call';

export interface DemoOptions {
  /** Platform origin, e.g. http://127.0.0.1:3000. */
  api: string;
  /** Stripe emulator origin (its control API completes the checkout). */
  stripeBase: string;
  filmBytes: number;
  trailerBytes: number;
  /** Scratch folder (sample files, CLI config, download). */
  workDir: string;
  /** The CLI entry (dist/apps/cli/src/main.js). */
  cliMain: string;
  /** Makes an admin (libs/auth ensureAdmin, like `keyseed admin create`); returns its credentials. */
  createAdmin: (email: string, password: string) => Promise<void>;
  log: (line: string) => void;
  /** Upper bound per waiting step. */
  stepTimeoutMs?: number;
}

export interface DemoResult {
  slug: string;
  bundleId: string;
  filmSha256: string;
  steps: { name: string; ms: number }[];
  downloadedBytes: number;
  /** What a test needs to continue from here. */
  accounts: { creatorToken: string; buyerEmail: string; buyerToken: string; adminToken: string };
  buyerConfigHome: string;
  downloadDir: string;
}

const PASSWORD = 'demo password 0123456789';

/**
 * The whole Keyseed story against a running platform: creator, admin, buyer; sample film and trailer
 * uploaded with tus; ingest + publish; price; the creator's payout account (Stripe Connect); checkout paid through the Stripe emulator; the CLI
 * downloads over BitTorrent (tracker + webseed), unlocks and the result is compared to the original.
 */
export async function runDemoFlow(o: DemoOptions): Promise<DemoResult> {
  const steps: DemoResult['steps'] = [];
  const timeout = o.stepTimeoutMs ?? 300_000;
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const step = async <T>(short: string, name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    o.log(`▶ ${name}`);
    const r = await fn();
    const ms = Date.now() - t0;
    steps.push({ name: short, ms });
    o.log(`  ✓ ${name} (${(ms / 1000).toFixed(1)} s)`);
    return r;
  };
  const http = <T>(method: string, path: string, token: string | null, body?: unknown, expect = [200, 201]) =>
    jsonCall<T>(o.api, method, path, token, body, expect);
  const register = async (role: 'CREATOR' | 'BUYER') => {
    const email = `demo-${role.toLowerCase()}-${run}@example.test`;
    const r = await http<{ token: string }>('POST', '/v1/auth/register', null, {
      email,
      password: PASSWORD,
      displayName: `Demo ${role.toLowerCase()}`,
      roles: [role],
    });
    return { email, token: r.token };
  };

  const { creator, buyer, admin } = await step(
    'accounts',
    'accounts: creator, buyer (REST) and admin (ensureAdmin, as `keyseed admin create`)',
    async () => {
      const c = await register('CREATOR');
      const b = await register('BUYER');
      const adminEmail = `demo-admin-${run}@example.test`;
      await o.createAdmin(adminEmail, PASSWORD);
      const a = await http<{ token: string }>('POST', '/v1/auth/login', null, {
        email: adminEmail,
        password: PASSWORD,
      });
      return { creator: c, buyer: b, admin: { email: adminEmail, token: a.token } };
    },
  );

  const files = await step(
    'sample',
    `sample film (${fmt(o.filmBytes)}) and trailer (${fmt(o.trailerBytes)})`,
    async () => ({
      film: await writeSample(join(o.workDir, 'film.mkv'), o.filmBytes),
      trailer: await writeSample(join(o.workDir, 'trailer.mp4'), o.trailerBytes),
    }),
  );

  const bundle = await step(
    'bundle',
    'bundle: create draft, declare a locked film (2 preview pieces) and a free trailer',
    async () => {
      const b = await http<{ id: string; slug: string }>('POST', '/v1/bundles', creator.token, {
        title: `Keyseed demo ${run}`,
        description: 'A sample film made by npm run demo',
      });
      const withItems = await http<{ items: { id: string; path: string }[] }>(
        'POST',
        `/v1/bundles/${b.id}/items`,
        creator.token,
        {
          items: [
            // Declared sizes: the piece length comes from their total, not from whichever upload ends first.
            { path: 'film.mkv', locked: true, previewPieces: 2, size: o.filmBytes },
            { path: 'trailer.mp4', locked: false, size: o.trailerBytes },
          ],
        },
      );
      return { ...b, items: withItems.items };
    },
  );

  await step('tus upload', 'upload both files with tus (tus-js-client)', async () => {
    for (const item of bundle.items)
      await tusUpload(o.api, creator.token, bundle.id, item.id, join(o.workDir, item.path));
  });

  await step('ingest+publish', 'ingest (encrypt + hash, worker) and publish (torrents)', async () => {
    await poll(timeout, 'items READY', async () => {
      const b = await http<{ items: { status: string; failureReason?: string | null; path: string }[] }>(
        'GET',
        `/v1/bundles/${bundle.id}`,
        creator.token,
      );
      const failed = b.items.find((i) => i.status === 'FAILED');
      if (failed) throw new Error(`ingest of ${failed.path} failed: ${failed.failureReason ?? 'no reason given'}`);
      return b.items.every((i) => i.status === 'READY');
    });
    await http('POST', `/v1/bundles/${bundle.id}/publish`, creator.token, {}, [200, 201, 202]);
    await poll(
      timeout,
      'bundle PUBLISHED',
      async () =>
        (await http<{ status: string }>('GET', `/v1/bundles/${bundle.id}`, creator.token)).status === 'PUBLISHED',
    );
  });

  await step('price', 'admin sets the price: 15.00 USD', async () => {
    await http('PUT', `/v1/admin/bundles/${bundle.id}/price`, admin.token, { amount: 1500, currency: 'usd' });
  });

  await step('payouts', "creator connects a Stripe Express payout account (the emulator's onboarding)", async () => {
    const account = await http<{ stripeAccountId: string }>('POST', '/v1/payouts/account', creator.token, {});
    // What the creator's "complete onboarding" click on Stripe's hosted page does.
    const done = await fetch(`${o.stripeBase}/_emulator/accounts/${account.stripeAccountId}/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'complete' }),
    });
    if (!done.ok) throw new Error(`emulator refused the onboarding: ${done.status} ${await done.text()}`);
    await poll(
      timeout,
      'payout account payable',
      async () => (await http<{ payable: boolean }>('GET', '/v1/payouts/account', creator.token)).payable,
    );
  });

  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(o.workDir, 'buyer-config'),
    KEYSEED_API: o.api,
    KEYSEED_TOKEN: '',
  };
  const cli = (args: string[], onStdout?: (line: string) => void, stdin?: string) =>
    runCli(o.cliMain, args, env, timeout, (l) => o.log(`    ${l}`), onStdout, stdin);

  await step('login', 'buyer: keyseed login', async () => {
    await cli(['login', '--api', o.api, '--email', buyer.email], undefined, PASSWORD);
  });

  await step('buy', 'buyer: keyseed buy → checkout paid through the Stripe emulator → license', async () => {
    // Held in an object: a closure's assignment to a plain `let` is invisible to TypeScript's narrowing.
    const checkout: { completing?: Promise<void> } = {};
    await cli(['buy', bundle.slug, '--timeout', String(Math.round(timeout / 1000))], (line) => {
      const session = /(cs_test_[A-Za-z0-9]+)/.exec(line)?.[1];
      if (session && !checkout.completing) {
        checkout.completing = fetch(`${o.stripeBase}/_emulator/checkout/sessions/${session}/complete`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ outcome: 'succeeded', customer_email: buyer.email }),
        }).then(async (r) => {
          if (!r.ok) throw new Error(`emulator refused to complete ${session}: ${r.status} ${await r.text()}`);
        });
      }
    });
    if (!checkout.completing) throw new Error('keyseed buy printed no checkout URL');
    await checkout.completing;
  });

  const downloadDir = join(o.workDir, 'download');
  let downloadedBytes = 0;
  await step('download', 'buyer: keyseed download over BitTorrent (tracker + webseed)', async () => {
    await cli(['download', bundle.slug, downloadDir], (line) => {
      const m = /received (\d+) bytes/.exec(line);
      if (m) downloadedBytes = Number(m[1]);
    });
  });

  await step(
    'unlock',
    'buyer: keyseed unlock (keys sealed to this device, pieces verified, SHA-256 checked)',
    async () => {
      await cli(['unlock', join(downloadDir, bundle.slug)]);
    },
  );

  await step('compare', 'compare the unlocked film and trailer with the originals', async () => {
    const film = await sha256File(join(downloadDir, bundle.slug, 'film.mkv'));
    const trailer = await sha256File(join(downloadDir, bundle.slug, 'trailer.mp4'));
    if (film !== files.film) throw new Error(`unlocked film SHA-256 ${film} differs from the original ${files.film}`);
    if (trailer !== files.trailer)
      throw new Error(`trailer SHA-256 ${trailer} differs from the original ${files.trailer}`);
  });

  return {
    slug: bundle.slug,
    bundleId: bundle.id,
    filmSha256: files.film,
    steps,
    downloadedBytes,
    accounts: {
      creatorToken: creator.token,
      buyerEmail: buyer.email,
      buyerToken: buyer.token,
      adminToken: admin.token,
    },
    buyerConfigHome: env.XDG_CONFIG_HOME,
    downloadDir,
  };
}

/** Pseudo-random bytes (AES-CTR keystream: fast and incompressible), streamed; returns the SHA-256. */
async function writeSample(path: string, size: number): Promise<string> {
  const cipher = createCipheriv('aes-256-ctr', randomBytes(32), Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let done = 0; done < size;) {
    const n = Math.min(zeros.length, size - done);
    const chunk = cipher.update(zeros.subarray(0, n));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
    done += n;
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

async function tusUpload(api: string, token: string, bundleId: string, itemId: string, path: string): Promise<void> {
  const size = statSync(path).size;
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint: `${api}/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { bundleId, itemId, filename: path.split('/').pop()! },
      uploadSize: size,
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 1000, 3000],
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

async function poll(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs the CLI; its output goes to `echo`, stdout lines to `onStdout` too. Fails with its last lines. */
function runCli(
  main: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  echo: (line: string) => void,
  onStdout?: (line: string) => void,
  stdin?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const lines = (s: NodeJS.ReadableStream, cb: (l: string) => void) => {
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          cb(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    };
    const show = (l: string) => {
      tail.push(l);
      if (tail.length > 20) tail.shift();
      echo(l);
    };
    lines(child.stdout, (l) => {
      show(l);
      onStdout?.(l);
    });
    lines(child.stderr, show);
    child.stdin.end(stdin ?? '');
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`keyseed ${args[0]} exited with ${code ?? signal}: ${tail.slice(-3).join(' | ')}`));
    });
  });
}

function fmt(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
