import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_STRIPE_WEBHOOK_SECRET } from '@keyseed/paygate/dev-defaults';
import { stripeApiRoutes } from './api-routes';
import { ConnectFlows, OnboardingOutcome } from './connect-flows';
import { connectApiRoutes } from './connect-routes';
import { controlRoutes, Redirect } from './control-routes';
import { EmulatorStore } from './emulator-store';
import { canonicalParams, ParamObject, Params, parseStripeParams } from './form-params';
import { readBody, redirect, sendHtml, sendJson } from './http-io';
import { IdempotencyCache } from './idempotency-cache';
import { renderDashboardPage, renderOnboardingPage } from './connect-pages';
import { renderPayPage } from './pay-page';
import { CheckoutOutcome, CompletionResult, PaymentFlows, RefundRequest, RequestContext } from './payment-flows';
import type { Route } from './routes';
import { StripeApiError } from './stripe-error';
import {
  EmulatedAccount,
  EmulatedApplicationFee,
  EmulatedTransfer,
  EmulatedCharge,
  EmulatedCheckoutSession,
  EmulatedDispute,
  EmulatedEvent,
  EmulatedObject,
  EmulatedPaymentIntent,
  EmulatedRefund,
  nowSeconds,
  snapshot,
  stripeId,
} from './stripe-objects';
import { WebhookDispatcher, WebhookRetryOptions } from './webhook-dispatcher';

/** The API version of the installed `stripe` SDK (v23); echoed when a request sends none. */
export const DEFAULT_STRIPE_API_VERSION = '2026-10-28.endive';

export interface StripeEmulatorOptions {
  /** 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** Base for session `url`s when the emulator is reached through another address; defaults to the listen address. */
  publicUrl?: string;
  /** Where events are POSTed; settable later with `setWebhookUrl()` once the API's port is known. */
  webhookUrl?: string;
  webhookSecret?: string;
  retry?: Partial<WebhookRetryOptions>;
  /** Wait before each event's first delivery attempt. */
  webhookDelayMs?: number;
  webhookTimeoutMs?: number;
  /** Objects kept per type (sessions, charges, events, …) before the oldest are forgotten. */
  maxObjects?: number;
  /** How often open sessions past `expires_at` are expired; 0 disables the sweep. */
  expirySweepMs?: number;
  logger?: (entry: Record<string, unknown>) => void;
}

const API_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;

/**
 * A local, in-memory stand-in for the parts of Stripe Keyseed uses: Checkout Sessions, PaymentIntents,
 * Charges, Refunds, Disputes, Events and signed webhook delivery. Talk to it with the real SDK:
 * `new Stripe('sk_test_…', { host: '127.0.0.1', port, protocol: 'http' })`.
 */
export class StripeEmulator {
  readonly store: EmulatorStore;
  readonly webhooks: WebhookDispatcher;
  private readonly flows: PaymentFlows;
  private readonly connect: ConnectFlows;
  private readonly idempotency: IdempotencyCache;
  private readonly apiRoutes: Route[];
  private readonly controlRoutes: Route[];
  private readonly log: (entry: Record<string, unknown>) => void;
  private server: Server | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private base: string | undefined;

  constructor(private readonly options: StripeEmulatorOptions = {}) {
    this.log = options.logger ?? (() => undefined);
    const maxObjects = options.maxObjects ?? 10_000;
    this.store = new EmulatorStore(maxObjects);
    this.idempotency = new IdempotencyCache(maxObjects);
    this.webhooks = new WebhookDispatcher({
      url: options.webhookUrl,
      secret: options.webhookSecret ?? DEV_STRIPE_WEBHOOK_SECRET,
      retry: { maxAttempts: 4, initialDelayMs: 1000, maxDelayMs: 30_000, ...options.retry },
      deliveryDelayMs: options.webhookDelayMs ?? 0,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      maxLogEntries: maxObjects,
      log: this.log,
    });
    this.connect = new ConnectFlows(
      this.store,
      (t, o, r, a) => this.emitEvent(t, o, r, a),
      () => this.baseUrl,
    );
    this.flows = new PaymentFlows(
      this.store,
      (t, o, r) => this.emitEvent(t, o, r),
      (id) => `${this.baseUrl}/pay/${id}`,
      this.connect,
    );
    this.apiRoutes = [...stripeApiRoutes(this.store, this.flows), ...connectApiRoutes(this.store, this.connect)];
    this.controlRoutes = controlRoutes(this.store, this.flows, this.webhooks, this.connect, () => ({
      ok: true,
      apiVersion: DEFAULT_STRIPE_API_VERSION,
      baseUrl: this.base ?? null,
      webhookUrl: this.webhooks.url ?? null,
    }));
  }

  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:12111`. */
  async start(): Promise<string> {
    if (this.base) return this.base;
    const host = this.options.host ?? '127.0.0.1';
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.base = (this.options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
      /\/$/,
      '',
    );
    const sweepMs = this.options.expirySweepMs ?? 30_000;
    if (sweepMs > 0) {
      this.sweep = setInterval(() => this.flows.expireDue(), sweepMs);
      this.sweep.unref();
    }
    this.log({ event: 'stripe_emulator.started', baseUrl: this.base, webhookUrl: this.webhooks.url ?? null });
    return this.base;
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await this.webhooks.stop();
    const server = this.server;
    this.server = undefined;
    this.base = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  get baseUrl(): string {
    if (!this.base) throw new Error('StripeEmulator is not started; call start() first');
    return this.base;
  }

  /** `{ host, port, protocol }` for `new Stripe(key, config)`. */
  get sdkConfig(): { host: string; port: number; protocol: 'http' | 'https' } {
    const url = new URL(this.baseUrl);
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
    };
  }

  setWebhookUrl(url: string | undefined): void {
    this.webhooks.url = url;
  }

  // In-process equivalents of the control API, for tests.

  completeCheckoutSession(
    id: string,
    outcome: CheckoutOutcome = 'succeeded',
    opts: { customerEmail?: string } = {},
  ): CompletionResult {
    return this.flows.completeCheckoutSession(id, outcome, opts.customerEmail);
  }

  settleAsyncPayment(sessionId: string, outcome: 'succeeded' | 'failed'): EmulatedCheckoutSession {
    return this.flows.settleAsyncPayment(sessionId, outcome).session;
  }

  expireCheckoutSession(id: string): EmulatedCheckoutSession {
    return this.flows.expireCheckoutSession(id);
  }

  refund(req: RefundRequest): EmulatedRefund {
    return this.flows.createRefund(req).refund;
  }

  createDispute(chargeId: string, reason?: string): EmulatedDispute {
    return this.flows.createDispute(chargeId, reason).dispute;
  }

  closeDispute(disputeId: string, outcome: 'won' | 'lost'): EmulatedDispute {
    return this.flows.closeDispute(disputeId, outcome).dispute;
  }

  /** The holder of a connected account finishes (or abandons part of) the hosted onboarding. */
  onboardAccount(accountId: string, outcome: OnboardingOutcome = 'complete'): EmulatedAccount {
    return this.connect.onboard(accountId, outcome).account;
  }

  getAccount(id: string): EmulatedAccount {
    return snapshot(this.store.account(id));
  }

  getTransfer(id: string): EmulatedTransfer {
    return snapshot(this.store.transfer(id));
  }

  getApplicationFee(id: string): EmulatedApplicationFee {
    return snapshot(this.store.applicationFee(id));
  }

  /** Expire every open session whose `expires_at` has passed (what the periodic sweep does). */
  expireDueSessions(nowUnixSeconds?: number): number {
    return this.flows.expireDue(nowUnixSeconds);
  }

  getCheckoutSession(id: string): EmulatedCheckoutSession {
    return snapshot(this.store.session(id));
  }

  getPaymentIntent(id: string): EmulatedPaymentIntent {
    return snapshot(this.store.paymentIntent(id));
  }

  getCharge(id: string): EmulatedCharge {
    return snapshot(this.store.charge(id));
  }

  /** Events so far, oldest first, optionally only of one type. */
  events(type?: string): EmulatedEvent[] {
    return [...this.store.events.values()].filter((e) => !type || e.type === type);
  }

  private emitEvent(type: string, object: EmulatedObject, request: RequestContext, account?: string): EmulatedEvent {
    const event: EmulatedEvent = {
      id: stripeId('evt'),
      object: 'event',
      ...(account ? { account } : {}),
      api_version: DEFAULT_STRIPE_API_VERSION,
      created: nowSeconds(),
      data: { object: snapshot(object) },
      livemode: false,
      pending_webhooks: this.webhooks.url ? 1 : 0,
      request: { ...request },
      type,
    };
    this.store.events.set(event.id, event);
    this.log({ event: 'stripe_emulator.event', eventId: event.id, type, objectId: object.id });
    this.webhooks.enqueue(event);
    return event;
  }

  /** Stripe's hosted Connect pages: Express onboarding (`/connect/onboard/<token>`) and dashboard. */
  private connectPage(pathname: string): string {
    const [, , page, ref] = pathname.split('/').map(decodeURIComponent);
    if (page === 'dashboard') return renderDashboardPage(this.store.account(ref));
    const link = page === 'onboard' ? this.connect.link(ref) : null;
    return renderOnboardingPage(link ? { account: this.store.account(link.account), returnUrl: link.returnUrl } : null);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = stripeId('req', 14);
    const apiVersion = header(req, 'stripe-version') ?? DEFAULT_STRIPE_API_VERSION;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const idempotencyKey = header(req, 'idempotency-key');
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': apiVersion };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    let status = 200;
    try {
      const body = method === 'POST' ? await readBody(req) : '';
      if (method === 'GET' && url.pathname.startsWith('/pay/')) {
        const session = this.store.session(decodeURIComponent(url.pathname.slice(5)));
        sendHtml(res, 200, renderPayPage(session));
        return;
      }
      if (method === 'GET' && url.pathname.startsWith('/connect/')) {
        sendHtml(res, 200, this.connectPage(url.pathname));
        return;
      }
      const isApi = url.pathname.startsWith('/v1/');
      const apiKey = isApi ? authenticate(req) : 'control';
      const routes = isApi ? this.apiRoutes : url.pathname.startsWith('/_emulator/') ? this.controlRoutes : [];
      let path: string[] | undefined;
      const route = routes.find((r) => {
        const m = r.method === method ? r.pattern.exec(url.pathname) : null;
        if (m) path = m.slice(1);
        return m !== null;
      });
      if (!route || !path) {
        throw new StripeApiError(
          404,
          `Unrecognized request URL (${method}: ${url.pathname}). The Stripe emulator implements only what Keyseed uses.`,
        );
      }
      const raw: ParamObject =
        method === 'POST' ? parseBody(body, header(req, 'content-type')) : parseStripeParams(url.search.slice(1));
      const replayKey = method === 'POST' && isApi && idempotencyKey ? `${apiKey}\u0000${idempotencyKey}` : undefined;
      const fingerprint = canonicalParams(raw);
      const previous = replayKey ? this.idempotency.get(replayKey) : undefined;
      if (previous) {
        if (previous.method !== method || previous.path !== url.pathname || previous.params !== fingerprint) {
          throw new StripeApiError(
            400,
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            'idempotency_error',
          );
        }
        status = previous.status;
        res.writeHead(status, {
          ...headers,
          'Idempotent-Replayed': 'true',
          'Original-Request': previous.requestId,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(previous.body),
        });
        res.end(previous.body);
        return;
      }
      const params = new Params(raw);
      const result = await route.handle({
        params,
        raw,
        path: path.map(decodeURIComponent),
        request: { id: requestId, idempotency_key: idempotencyKey ?? null },
        expand: params.stringList('expand'),
      });
      if (result instanceof Redirect) {
        status = 303;
        redirect(res, result.location);
        return;
      }
      const text = sendJson(res, 200, result, headers);
      if (replayKey)
        this.idempotency.set(replayKey, {
          method,
          path: url.pathname,
          params: fingerprint,
          status: 200,
          body: text,
          requestId,
          at: Date.now(),
        });
    } catch (err) {
      const e =
        err instanceof StripeApiError
          ? err
          : new StripeApiError(500, `Emulator error: ${(err as Error).message}`, 'api_error');
      status = e.statusCode;
      if (!res.headersSent)
        sendJson(res, status, e.toJSON(), status >= 500 ? { ...headers, 'Stripe-Should-Retry': 'false' } : headers);
      else res.destroy();
    } finally {
      this.log({
        event: 'stripe_emulator.request',
        method,
        path: url.pathname,
        status,
        requestId,
        ms: Date.now() - started,
      });
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Bearer (what the SDK sends) or Basic with the key as user name, like Stripe. Any test-mode key works. */
function authenticate(req: IncomingMessage): string {
  const auth = header(req, 'authorization');
  if (!auth) {
    throw new StripeApiError(
      401,
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const [scheme, value = ''] = auth.split(' ', 2);
  const key =
    scheme.toLowerCase() === 'basic'
      ? Buffer.from(value, 'base64').toString('utf8').split(':')[0]
      : scheme.toLowerCase() === 'bearer'
        ? value.trim()
        : '';
  if (!API_KEY.test(key)) {
    const shown =
      key.length > 8 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
    throw new StripeApiError(
      401,
      `Invalid API Key provided: ${shown || '(empty)'}. The emulator accepts any test-mode key (sk_test_… or rk_test_…).`,
    );
  }
  return key;
}

function parseBody(body: string, contentType: string | undefined): ParamObject {
  if (!body) return {};
  if (contentType?.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new StripeApiError(400, 'Invalid JSON body.');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new StripeApiError(400, 'JSON body must be an object.');
    return stringifyLeaves(parsed) as ParamObject;
  }
  return parseStripeParams(body);
}

/** JSON control bodies become the same string-leaved shape form bodies have. */
function stringifyLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringifyLeaves);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyLeaves(v)]));
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
