import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, ApiError, ApiUnreachableError, type RetryPolicy } from './api-client';

const FAST: RetryPolicy = { attempts: 4, baseMs: 1, capMs: 5, maxRetryAfterMs: 2_000 };
const SEALED = { alg: 'x', epk: 'e', nonce: 'n', ciphertext: 'c' };
const LICENSE = '00000000-0000-4000-8000-000000000001';
const DEVICE = '00000000-0000-4000-8000-000000000002';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const reset: Answer = (req) => req.socket.destroy();

describe('ApiClient key requests: retries of what a premiere storm can cause', () => {
  let server: Server;
  let answers: Answer[];
  let asked: number;
  let client: ApiClient;

  beforeEach(async () => {
    answers = [];
    asked = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => (answers[asked++] ?? json(500, { message: 'no more answers' }))(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'ks_p_token', 5_000, FAST);
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('retries a reset connection, a 503 and a 429 (Retry-After) and returns the delivery', async () => {
    answers = [
      reset,
      json(503, { statusCode: 503, message: 'the rate limiter (Redis) failed' }),
      json(429, { statusCode: 429, message: 'too many key requests' }, { 'retry-after': '0' }),
      json(200, SEALED),
    ];
    await expect(client.keys(LICENSE, DEVICE)).resolves.toEqual(SEALED);
    expect(asked).toBe(4);
  });

  it('waits what Retry-After says', async () => {
    answers = [json(503, { message: 'busy' }, { 'retry-after': '1' }), json(200, SEALED)];
    const started = Date.now();
    await expect(client.keys(LICENSE, DEVICE)).resolves.toEqual(SEALED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up after `attempts` tries with the last answer', async () => {
    answers = Array.from({ length: 10 }, () => json(503, { message: 'down' }));
    const err = await client.keys(LICENSE, DEVICE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect(asked).toBe(FAST.attempts);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs', async () => {
    answers = [json(429, { message: 'too many' }, { 'retry-after': '60' }), json(200, SEALED)];
    await expect(client.keys(LICENSE, DEVICE)).rejects.toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(asked).toBe(1);
  });

  it.each([
    [403, 'not your license'],
    [404, 'no such license'],
    [425, 'releases at'],
    [500, 'internal error'],
  ])('does not retry a %i', async (status, message) => {
    answers = [json(status, { statusCode: status, message }), json(200, SEALED)];
    await expect(client.keys(LICENSE, DEVICE)).rejects.toBeInstanceOf(ApiError);
    expect(asked).toBe(1);
  });

  it('reports an API that never answers as unreachable once the tries are spent', async () => {
    answers = Array.from({ length: 10 }, () => reset);
    await expect(client.keys(LICENSE, DEVICE)).rejects.toBeInstanceOf(ApiUnreachableError);
    expect(asked).toBe(FAST.attempts);
  });
});
