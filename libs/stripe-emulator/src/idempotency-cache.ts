/** A response Stripe would replay for a repeated `Idempotency-Key`. */
export interface IdempotentResponse {
  method: string;
  path: string;
  params: string;
  status: number;
  body: string;
  requestId: string;
  at: number;
}

/** Idempotency keys live 24 hours at Stripe; here also at most `limit` of them. */
export class IdempotencyCache {
  private readonly entries = new Map<string, IdempotentResponse>();
  constructor(
    private readonly limit: number,
    private readonly ttlMs = 24 * 60 * 60 * 1000,
  ) {}

  get(key: string): IdempotentResponse | undefined {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return hit;
  }

  set(key: string, value: IdempotentResponse): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }
}
