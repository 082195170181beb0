import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { stripeSignatureHeader } from './webhook-signature';
import type { EmulatedEvent } from './stripe-objects';

export interface WebhookRetryOptions {
  /** Total attempts per event, first one included (Stripe retries for days; tests want a few). */
  maxAttempts: number;
  /** Delay before the first retry; doubles each time up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Overrides for negative tests: sign with another secret, or with a timestamp `offsetSeconds` away from now. */
export interface WebhookSigningOverride {
  secret?: string;
  timestampOffsetSeconds?: number;
}

/** `deliver`: send as Stripe would. `hold`: record, send on `release()`. `drop`: record, never send (lost webhook). */
export type WebhookMode = 'deliver' | 'hold' | 'drop';

export interface WebhookAttempt {
  at: number;
  signatureHeader: string;
  statusCode?: number;
  error?: string;
  ms: number;
}

export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  /** The exact bytes POSTed (and signed). */
  payload: string;
  status: 'pending' | 'held' | 'delivered' | 'failed' | 'dropped' | 'no_endpoint';
  attempts: WebhookAttempt[];
}

export interface WebhookDispatcherOptions {
  url?: string;
  secret: string;
  retry: WebhookRetryOptions;
  /** Wait before the first attempt of each event (simulates Stripe's delivery latency). */
  deliveryDelayMs: number;
  timeoutMs: number;
  maxLogEntries: number;
  log: (entry: Record<string, unknown>) => void;
}

/** Sends events to the configured endpoint, signed like Stripe, and keeps a log tests can inspect and replay. */
export class WebhookDispatcher {
  url: string | undefined;
  secret: string;
  mode: WebhookMode = 'deliver';
  signing: WebhookSigningOverride = {};
  private dropCount = 0;
  private readonly log: WebhookDelivery[] = [];
  private readonly held: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.url = options.url;
    this.secret = options.secret;
  }

  /** Every delivery so far (oldest first, bounded). */
  get deliveries(): readonly WebhookDelivery[] {
    return this.log;
  }

  /** Drop the next `count` events instead of sending them. */
  dropNext(count = 1): void {
    this.dropCount += count;
  }

  /** Queue an event for delivery according to the current mode. */
  enqueue(event: EmulatedEvent): WebhookDelivery {
    const delivery: WebhookDelivery = {
      eventId: event.id,
      eventType: event.type,
      payload: JSON.stringify(event, null, 2),
      status: 'pending',
      attempts: [],
    };
    this.log.push(delivery);
    if (this.log.length > this.options.maxLogEntries) this.log.shift();
    if (!this.url) {
      delivery.status = 'no_endpoint';
    } else if (this.dropCount > 0 || this.mode === 'drop') {
      if (this.dropCount > 0) this.dropCount--;
      delivery.status = 'dropped';
      this.options.log({ event: 'stripe_emulator.webhook.dropped', eventId: event.id, type: event.type });
    } else if (this.mode === 'hold') {
      delivery.status = 'held';
      this.held.push(delivery);
    } else {
      this.schedule(delivery);
    }
    return delivery;
  }

  /** Send held deliveries (all, or the given event ids in the given order), one after another. */
  async release(order?: 'fifo' | 'reverse' | readonly string[]): Promise<void> {
    let batch: WebhookDelivery[];
    if (Array.isArray(order)) {
      batch = order.map((id) => {
        const d = this.held.find((h) => h.eventId === id);
        if (!d)
          throw new Error(
            `no held delivery for event ${id}; held: ${this.held.map((h) => h.eventId).join(', ') || 'none'}`,
          );
        return d;
      });
    } else {
      batch = order === 'reverse' ? [...this.held].reverse() : [...this.held];
    }
    for (const d of batch) this.held.splice(this.held.indexOf(d), 1);
    for (const d of batch) {
      d.status = 'pending';
      await this.track(this.attempt(d, 1));
    }
  }

  /**
   * POST an already-recorded event again `times` times, concurrently by default (duplicate
   * delivery). No retries; resolves with each attempt's outcome.
   */
  async redeliver(
    eventId: string,
    opts: { times?: number; concurrent?: boolean; signing?: WebhookSigningOverride } = {},
  ): Promise<WebhookAttempt[]> {
    const delivery = [...this.log].reverse().find((d) => d.eventId === eventId);
    if (!delivery) throw new Error(`no recorded delivery for event ${eventId}`);
    if (!this.url) throw new Error('no webhook URL configured');
    const times = opts.times ?? 1;
    const send = () => this.track(this.post(this.url as string, delivery.payload, opts.signing ?? this.signing));
    if (opts.concurrent === false) {
      const out: WebhookAttempt[] = [];
      for (let i = 0; i < times; i++) out.push(await send());
      return out;
    }
    return Promise.all(Array.from({ length: times }, send));
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** First attempts go out in event order; retries run on their own timers so one bad event blocks nothing. */
  private schedule(delivery: WebhookDelivery): void {
    const run = async () => {
      if (this.options.deliveryDelayMs > 0) await new Promise((r) => setTimeout(r, this.options.deliveryDelayMs));
      await this.attempt(delivery, 1);
    };
    this.chain = this.track(this.chain.then(run, run));
  }

  private async attempt(delivery: WebhookDelivery, attemptNumber: number): Promise<void> {
    if (this.stopped || !this.url) return;
    const result = await this.post(this.url, delivery.payload, this.signing);
    delivery.attempts.push(result);
    const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    this.options.log({
      event: ok ? 'stripe_emulator.webhook.delivered' : 'stripe_emulator.webhook.attempt_failed',
      eventId: delivery.eventId,
      type: delivery.eventType,
      attempt: attemptNumber,
      statusCode: result.statusCode,
      error: result.error,
      ms: result.ms,
    });
    if (ok) {
      delivery.status = 'delivered';
      return;
    }
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.options.retry;
    if (attemptNumber >= maxAttempts || this.stopped) {
      delivery.status = 'failed';
      this.options.log({
        event: 'stripe_emulator.webhook.gave_up',
        eventId: delivery.eventId,
        type: delivery.eventType,
        attempts: attemptNumber,
      });
      return;
    }
    const delay = Math.min(initialDelayMs * 2 ** (attemptNumber - 1), maxDelayMs);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.track(this.attempt(delivery, attemptNumber + 1));
    }, delay);
    this.timers.add(timer);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  private post(url: string, payload: string, signing: WebhookSigningOverride): Promise<WebhookAttempt> {
    const started = Date.now();
    const t = Math.floor(started / 1000) + (signing.timestampOffsetSeconds ?? 0);
    const signatureHeader = stripeSignatureHeader(payload, signing.secret ?? this.secret, t);
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(
        target,
        {
          method: 'POST',
          agent: false,
          timeout: this.options.timeoutMs,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'Stripe-Signature': signatureHeader,
            'Cache-Control': 'no-cache',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ at: started, signatureHeader, statusCode: res.statusCode, ms: Date.now() - started }),
          );
          res.on('error', (e) => resolve({ at: started, signatureHeader, error: e.message, ms: Date.now() - started }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)));
      req.on('error', (e) => resolve({ at: started, signatureHeader, error: e.message, ms: Date.now() - started }));
      req.end(payload);
    });
  }
}
