import { randomBytes } from 'node:crypto';
import { StripeEmulator } from '@keyseed/stripe-emulator';
import { waitFor } from '../helpers/ingest-fixtures';
import {
  Answer,
  call,
  CreatorClient,
  expectConverged,
  type FaultPlatform,
  startFaultPlatform,
  stopFaultPlatform,
} from '../helpers/fault-platform';
import { E2E_STRIPE_SECRET_KEY, E2E_WEBHOOK_SECRET } from '../helpers/paygate-fixtures';
import { holdRowLock, terminateBackends, terminateLockWaiters, waitForLockWaiter } from '../helpers/processes';

const LOAD_MS = 4_000;
const TERMINATE_EVERY_MS = 500;
const FILE = randomBytes(300 * 1024);

/** What the creator's client knows of a bundle it made: its item, and its upload's URL. */
interface Made {
  bundleId: string;
  itemId: string | null;
  location: string | null;
}

/**
 * Fault: every PostgreSQL backend of the platform's database is terminated (pg_terminate_backend),
 * again and again, while creators upload, ingest runs, bundles publish and buyers check out. Each
 * request answers 2xx, a clear 4xx or 503 with a reason (never a 500, never a dropped connection),
 * the processes reconnect and stay up, and afterwards everything converges: uploads whose
 * completion failed are completed by the client's HEAD, ingest and publish jobs retry.
 */
describe('fault: PostgreSQL backends terminated under load', () => {
  let emulator: StripeEmulator;
  let emulatorUrl: string;
  let { iso, api, worker } = {} as FaultPlatform;
  /** Bundles of earlier tests: the invariants cover every file of the data directory. */
  const earlier: string[] = [];

  beforeAll(async () => {
    emulator = new StripeEmulator({ webhookSecret: E2E_WEBHOOK_SECRET, retry: { maxAttempts: 1 }, expirySweepMs: 0 });
    emulatorUrl = await emulator.start();
    ({ iso, api, worker } = await startFaultPlatform('pgkill', {
      STRIPE_API_BASE: emulatorUrl,
      STRIPE_SECRET_KEY: E2E_STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: E2E_WEBHOOK_SECRET,
    }));
    emulator.setWebhookUrl(`${api.url}/v1/stripe/webhook`);
  }, 240_000);
  afterAll(async () => {
    await stopFaultPlatform({ iso, api, worker });
    await emulator?.stop();
  });

  it('a creation whose completion loses its connection answers 503 with the upload URL; HEAD completes it', async () => {
    const creator = await CreatorClient.register(api.url);
    const { bundleId, itemIds } = await creator.bundleWith('Lost completion', [{ path: 'film.bin' }]);
    earlier.push(bundleId);
    // An upload begun (the item is UPLOADING), then a new one in one request: its completion waits
    // to update the item's row (held here), and its connection is then cut.
    expect((await creator.createUpload(bundleId, itemIds[0], FILE, 0)).status).toBe(201);
    const lock = await holdRowLock(iso.databaseUrl, 'Item', itemIds[0], 'NO KEY UPDATE');
    const created = creator.createUpload(bundleId, itemIds[0], FILE);
    await waitForLockWaiter(iso.databaseUrl, 30_000);
    expect(await terminateLockWaiters(iso.databaseUrl)).toBe(1);
    const answer = await created;
    await lock.release();
    expect(answer.status).toBe(503);
    expect(answer.text).toMatch(/resume it later/);
    const location = answer.headers.get('location');
    expect(location).toMatch(/\/v1\/uploads\/[0-9a-f]{32}$/);

    const head = await creator.headUpload(location!);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(FILE.length));
    await waitFor(
      'the item READY',
      async () => (await iso.prisma.item.findUniqueOrThrow({ where: { id: itemIds[0] } })).status === 'READY',
    );
    await expectConverged(iso, [bundleId], 30_000);
  });

  it('answers every request cleanly while connections drop, and converges afterwards', async () => {
    const creator = await CreatorClient.register(api.url);
    const addItem = (bundleId: string) =>
      creator.request('POST', `/v1/bundles/${bundleId}/items`, { json: { items: [{ path: 'a.bin' }] } });
    const admin = await CreatorClient.admin(api.url, iso.prisma);

    // A bundle on sale for the buyers.
    const onSale = await creator.bundleWith('On sale', [{ path: 'film.bin' }]);
    await creator.upload(onSale.bundleId, onSale.itemIds[0], randomBytes(256 * 1024));
    await waitFor(
      'the item READY',
      async () => (await iso.prisma.item.findUniqueOrThrow({ where: { id: onSale.itemIds[0] } })).status === 'READY',
    );
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

    const bundleIds = [...earlier, onSale.bundleId];
    const made: Made[] = [];
    const until = Date.now() + LOAD_MS;
    const creatorLoop = async () => {
      while (Date.now() < until) {
        const b = await attempt('create bundle', () =>
          creator.request('POST', '/v1/bundles', { json: { title: 'Load' } }),
        );
        if (b?.status !== 201) continue;
        const bundle: Made = { bundleId: b.json().id as string, itemId: null, location: null };
        bundleIds.push(bundle.bundleId);
        made.push(bundle);
        const i = await attempt('add item', () => addItem(bundle.bundleId));
        if (i?.status !== 201) continue;
        bundle.itemId = (i.json().items as Array<{ id: string }>)[0].id;
        const u = await attempt('upload', () => creator.createUpload(bundle.bundleId, bundle.itemId!, FILE));
        bundle.location = u?.headers.get('location') ?? null;
        await attempt('publish', () => creator.request('POST', `/v1/bundles/${bundle.bundleId}/publish`));
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

    // The client finishes what it had started: HEAD completes an upload whose last bytes arrived
    // while its completion failed (a creation answered 503 still names its upload), and whatever
    // was refused outright (503 before anything was stored) is sent again.
    for (const bundle of made) {
      // (An answer lost after its commit leaves the item there all the same.)
      const stored = (await creator.request('GET', `/v1/bundles/${bundle.bundleId}`)).json();
      bundle.itemId ??= (stored.items as Array<{ id: string }>)[0]?.id ?? null;
      if (!bundle.itemId) {
        const i = await addItem(bundle.bundleId);
        expect(i.status).toBe(201);
        bundle.itemId = (i.json().items as Array<{ id: string }>)[0].id;
      }
      if (bundle.location) {
        const head = await creator.headUpload(bundle.location);
        expect(head.status).toBe(200);
        expect(head.headers.get('upload-offset')).toBe(head.headers.get('upload-length'));
      } else await creator.upload(bundle.bundleId, bundle.itemId, FILE);
    }
    await expectConverged(iso, bundleIds, 30_000);
    for (const { bundleId } of made) {
      const res = await creator.request('POST', `/v1/bundles/${bundleId}/publish`);
      expect([202, 409]).toContain(res.status);
    }
    await expectConverged(iso, bundleIds, 30_000);
    // Every bundle the creator made ends on sale: no fault left an item or a bundle unusable.
    const notPublished = await iso.prisma.bundle.findMany({
      where: { id: { in: [onSale.bundleId, ...made.map((m) => m.bundleId)] }, status: { not: 'PUBLISHED' } },
      select: {
        slug: true,
        status: true,
        publishFailureReason: true,
        items: { select: { status: true, failureReason: true } },
      },
    });
    expect(notPublished).toEqual([]);

    // Every Checkout Session still payable belongs to a pending order, one per buyer: a session
    // whose order was rolled back with a dropped connection was expired, not left open.
    const open = await call(emulatorUrl, 'GET', '/v1/checkout/sessions?status=open&limit=100', {
      headers: { Authorization: `Bearer ${E2E_STRIPE_SECRET_KEY}` },
    });
    const sessions = open.json().data as Array<{ id: string; client_reference_id: string }>;
    const orders = await iso.prisma.order.findMany({
      where: { stripeSessionId: { in: sessions.map((x) => x.id) }, status: 'PENDING' },
      select: { id: true, stripeSessionId: true, buyerId: true },
    });
    expect(
      sessions.filter((x) => !orders.some((o) => o.stripeSessionId === x.id)).map((x) => x.client_reference_id),
    ).toEqual([]);
    expect(new Set(orders.map((o) => o.buyerId)).size).toBe(orders.length);
  });
});
