import { randomBytes } from 'node:crypto';
import { ensureAdmin } from '@keyseed/auth';
import { StripeEmulator } from '@keyseed/stripe-emulator';
import { waitFor } from '../helpers/ingest-fixtures';
import {
  Answer,
  call,
  CreatorClient,
  expectConverged,
  IsolatedEnv,
  isolatedEnv,
  startApi,
  startWorker,
} from '../helpers/fault-platform';
import { E2E_STRIPE_SECRET_KEY, E2E_WEBHOOK_SECRET } from '../helpers/paygate-fixtures';
import { terminateBackends } from '../helpers/processes';
import type { PlatformProcess } from '../helpers/replicas';

const LOAD_MS = 4_000;
const TERMINATE_EVERY_MS = 500;

/**
 * Fault: every PostgreSQL backend of the platform's database is terminated (pg_terminate_backend),
 * again and again, while creators upload, ingest runs, bundles publish and buyers check out. Each
 * request answers 2xx, a clear 4xx or 503 with a reason (never a 500, never a dropped connection),
 * the processes reconnect and stay up, and afterwards everything converges: uploads whose
 * completion failed are completed by the client's HEAD, ingest and publish jobs retry.
 */
describe('fault: PostgreSQL backends terminated under load', () => {
  let iso: IsolatedEnv;
  let emulator: StripeEmulator;
  let api: { proc: PlatformProcess; url: string };
  let worker: PlatformProcess;

  beforeAll(async () => {
    emulator = new StripeEmulator({ webhookSecret: E2E_WEBHOOK_SECRET, retry: { maxAttempts: 1 }, expirySweepMs: 0 });
    iso = await isolatedEnv('pgkill', {
      STRIPE_API_BASE: await emulator.start(),
      STRIPE_SECRET_KEY: E2E_STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: E2E_WEBHOOK_SECRET,
    });
    [api, worker] = await Promise.all([startApi(iso.env), startWorker(iso.env)]);
    emulator.setWebhookUrl(`${api.url}/v1/stripe/webhook`);
  }, 240_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await api?.proc.stop();
    await emulator?.stop();
    await iso?.cleanup();
  });

  it('answers every request cleanly while connections drop, and converges afterwards', async () => {
    const creator = await CreatorClient.register(api.url);
    const adminEmail = `admin-${randomBytes(4).toString('hex')}@example.test`;
    await ensureAdmin(iso.prisma, adminEmail, 'admin password long enough');
    const login = await call(api.url, 'POST', '/v1/auth/login', {
      json: { email: adminEmail, password: 'admin password long enough' },
    });
    const admin = new CreatorClient(api.url, login.json().token as string);

    // A bundle on sale for the buyers.
    const onSale = await creator.bundleWith('On sale', [{ path: 'film.bin' }]);
    await creator.upload(onSale.bundleId, onSale.itemIds[0], randomBytes(256 * 1024));
    await waitFor('the item READY', async () => (await iso.prisma.item.count({ where: { status: 'READY' } })) === 1);
    expect((await creator.request('POST', `/v1/bundles/${onSale.bundleId}/publish`)).status).toBe(202);
    await waitFor(
      'the bundle PUBLISHED',
      async () => (await iso.prisma.bundle.count({ where: { id: onSale.bundleId, status: 'PUBLISHED' } })) === 1,
    );
    expect(
      (
        await admin.request('PUT', `/v1/admin/bundles/${onSale.bundleId}/seller-of-record`, {
          json: { platform: true },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await admin.request('PUT', `/v1/admin/bundles/${onSale.bundleId}/price`, {
          json: { amount: 700, currency: 'usd' },
        })
      ).status,
    ).toBe(200);
    const buyers = await Promise.all([1, 2, 3].map(() => CreatorClient.register(api.url, ['BUYER'])));

    const answers: Array<{ what: string; status: number | string; text: string }> = [];
    const note = (what: string, a: Answer | Error) =>
      answers.push(
        a instanceof Error ? { what, status: a.message, text: '' } : { what, status: a.status, text: a.text },
      );
    const attempt = async (what: string, fn: () => Promise<Answer>) => {
      try {
        const a = await fn();
        note(what, a);
        return a;
      } catch (err) {
        note(what, err as Error);
        return null;
      }
    };

    const bundleIds = [onSale.bundleId];
    const uploads: string[] = [];
    const until = Date.now() + LOAD_MS;
    const creatorLoop = async () => {
      while (Date.now() < until) {
        const b = await attempt('create bundle', () =>
          creator.request('POST', '/v1/bundles', { json: { title: 'Load' } }),
        );
        if (b?.status !== 201) continue;
        const bundleId = b.json().id as string;
        bundleIds.push(bundleId);
        const i = await attempt('add item', () =>
          creator.request('POST', `/v1/bundles/${bundleId}/items`, { json: { items: [{ path: 'a.bin' }] } }),
        );
        if (i?.status !== 201) continue;
        const itemId = (i.json().items as Array<{ id: string }>)[0].id;
        const u = await attempt('upload', () => creator.createUpload(bundleId, itemId, randomBytes(300 * 1024)));
        if (u?.headers.get('location')) uploads.push(u.headers.get('location')!);
        await attempt('publish', () => creator.request('POST', `/v1/bundles/${bundleId}/publish`));
      }
    };
    const buyerLoop = async (buyer: CreatorClient) => {
      while (Date.now() < until) {
        await attempt('checkout', () => buyer.request('POST', `/v1/bundles/${onSale.bundleId}/checkout`, { json: {} }));
        await attempt('catalog', () => buyer.request('GET', '/v1/catalog'));
      }
    };
    const killer = async () => {
      let terminated = 0;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, TERMINATE_EVERY_MS));
        terminated += await terminateBackends(iso.databaseUrl);
      }
      return terminated;
    };
    const [terminated] = await Promise.all([killer(), creatorLoop(), creatorLoop(), ...buyers.map(buyerLoop)]);
    expect(terminated).toBeGreaterThan(0);

    // Never a 500 or a dropped connection: 2xx, a clear 4xx, or 503 with a reason.
    const clean = (a: (typeof answers)[number]) =>
      typeof a.status === 'number' && (a.status < 500 || (a.status === 503 && a.text.length > 0));
    const unclean = answers.filter((a) => !clean(a));
    expect(unclean).toEqual([]);
    expect(api.proc.alive && worker.alive).toBe(true);

    // A client resumes what it had started: HEAD completes uploads whose last bytes arrived while
    // their completion failed, and publish is asked again.
    for (const location of uploads) {
      const head = await creator.headUpload(location);
      expect(head.status).toBe(200);
      expect(head.headers.get('upload-offset')).toBe(head.headers.get('upload-length'));
    }
    await expectConverged(iso, bundleIds, 30_000);
    for (const bundleId of bundleIds.slice(1)) {
      const res = await creator.request('POST', `/v1/bundles/${bundleId}/publish`);
      expect([202, 409]).toContain(res.status);
    }
    await expectConverged(iso, bundleIds, 30_000);
    const ready = await iso.prisma.bundle.count({ where: { id: { in: bundleIds }, status: 'PUBLISHED' } });
    expect(ready).toBeGreaterThanOrEqual(1);
  });
});
