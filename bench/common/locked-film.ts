import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * A locked film on a running platform, set up over REST as a creator, an admin and a buyer would:
 * bundle with a small piece length, tus upload, ingest, publish, price, a checkout paid through the
 * Stripe emulator. What the unlock browser tests and bench/web start from.
 */
export interface LockedFilm {
  slug: string;
  bundleId: string;
  /** Plaintext path of the locked item (published as `<path>.locked`). */
  path: string;
  size: number;
  sha256: string;
  previewPieces: number;
  pieceLength: number;
  buyer: Account;
  admin: Account;
  licenseId: string;
  orderId: string;
}

export interface Account {
  email: string;
  token: string;
  user: unknown;
  expiresAt: string;
}

const PASSWORD = 'unlock browser test 0123456789';

export async function createLockedFilm(opts: {
  api: string;
  stripeBase: string;
  file: string;
  /** Omitted: the platform's default for the file's size. */
  pieceLength?: number;
  previewPieces: number;
  createAdmin: (email: string, password: string) => Promise<void>;
  timeoutMs?: number;
}): Promise<LockedFilm> {
  const { api } = opts;
  const run = randomBytes(4).toString('hex');
  const timeout = opts.timeoutMs ?? 120_000;
  const http = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const login = async (email: string): Promise<Account> => {
    const r = await http<{ token: string; user: unknown; expiresAt: string }>('POST', '/v1/auth/login', null, {
      email,
      password: PASSWORD,
    });
    return { email, token: r.token, user: r.user, expiresAt: r.expiresAt };
  };
  const register = async (role: 'CREATOR' | 'BUYER'): Promise<Account> => {
    const email = `unlock-${role.toLowerCase()}-${run}@example.test`;
    await http('POST', '/v1/auth/register', null, {
      email,
      password: PASSWORD,
      displayName: `Unlock ${role}`,
      roles: [role],
    });
    return login(email);
  };

  const creator = await register('CREATOR');
  const buyer = await register('BUYER');
  const adminEmail = `unlock-admin-${run}@example.test`;
  await opts.createAdmin(adminEmail, PASSWORD);
  const admin = await login(adminEmail);

  const path = basename(opts.file);
  const bundle = await http<{ id: string; slug: string }>('POST', '/v1/bundles', creator.token, {
    title: `Unlock test ${run}`,
    description: 'A locked film for the browser unlock tests',
    ...(opts.pieceLength ? { pieceLength: opts.pieceLength } : {}),
  });
  const { items } = await http<{ items: { id: string; path: string }[] }>(
    'POST',
    `/v1/bundles/${bundle.id}/items`,
    creator.token,
    {
      items: [{ path, locked: true, previewPieces: opts.previewPieces, size: statSync(opts.file).size }],
    },
  );
  await tusUpload(api, creator.token, bundle.id, items[0].id, opts.file);
  await poll(timeout, 'ingest', async () => {
    const b = await http<{ items: { status: string; failureReason?: string | null }[] }>(
      'GET',
      `/v1/bundles/${bundle.id}`,
      creator.token,
    );
    const failed = b.items.find((i) => i.status === 'FAILED');
    if (failed) throw new Error(`ingest failed: ${failed.failureReason ?? 'no reason'}`);
    return b.items.every((i) => i.status === 'READY');
  });
  await http('POST', `/v1/bundles/${bundle.id}/publish`, creator.token, {});
  await poll(timeout, 'publish', async () => {
    const b = await http<{ status: string; publishFailureReason?: string | null }>(
      'GET',
      `/v1/bundles/${bundle.id}`,
      creator.token,
    );
    if (b.status === 'DRAFT' && b.publishFailureReason) throw new Error(`publish failed: ${b.publishFailureReason}`);
    return b.status === 'PUBLISHED';
  });
  await http('PUT', `/v1/admin/bundles/${bundle.id}/price`, admin.token, { amount: 900, currency: 'usd' });
  // Sold in the platform's name: no creator payout account to onboard.
  await http('PUT', `/v1/admin/bundles/${bundle.id}/seller-of-record`, admin.token, { platform: true });

  const checkout = await http<{ orderId: string; checkoutUrl: string }>(
    'POST',
    `/v1/bundles/${bundle.id}/checkout`,
    buyer.token,
    {},
  );
  const session = /(cs_test_[A-Za-z0-9]+)/.exec(checkout.checkoutUrl)?.[1];
  if (!session) throw new Error(`no Checkout Session id in ${checkout.checkoutUrl}`);
  const done = await fetch(`${opts.stripeBase}/_emulator/checkout/sessions/${session}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded', customer_email: buyer.email }),
  });
  if (!done.ok) throw new Error(`the emulator did not complete ${session}: ${done.status}`);
  let licenseId = '';
  await poll(timeout, 'license', async () => {
    const order = await http<{ status: string; licenseId: string | null }>(
      'GET',
      `/v1/orders/${checkout.orderId}`,
      buyer.token,
    );
    licenseId = order.licenseId ?? '';
    return order.status === 'PAID' && licenseId !== '';
  });

  const published = await http<{ pieceLength: number }>('GET', `/v1/bundles/${bundle.id}`, creator.token);
  return {
    slug: bundle.slug,
    bundleId: bundle.id,
    path,
    size: statSync(opts.file).size,
    sha256: await sha256File(opts.file),
    previewPieces: opts.previewPieces,
    pieceLength: published.pieceLength,
    buyer,
    admin,
    licenseId,
    orderId: checkout.orderId,
  };
}

async function tusUpload(api: string, token: string, bundleId: string, itemId: string, path: string): Promise<void> {
  const { Upload } = await import('tus-js-client');
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint: `${api}/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { bundleId, itemId, filename: basename(path) },
      uploadSize: statSync(path).size,
      chunkSize: 64 * 1024 * 1024,
      retryDelays: [0, 1000, 3000],
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function poll(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
