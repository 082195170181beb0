import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import Stripe from 'stripe';
import request from 'supertest';
import type { App } from 'supertest/types';
import { PrismaService } from '@keyseed/database';
import { generateDeviceKeyPair } from '@keyseed/crypto';
import { BLOB_STORE, BlobStore } from '@keyseed/storage';
import { publishedKey } from '@keyseed/storage/keys';
import type { StripeEmulator } from '@keyseed/stripe-emulator';
import {
  createPublishedBundle,
  createReadyItem,
  E2E_WEBHOOK_SECRET,
  startEmulatorForApp,
} from '../helpers/paygate-fixtures';
import { createAdminUser, registerUser, startTestApp, TestUser } from '../helpers/test-app';

/**
 * A fixed table of malformed inputs for every HTTP route of apps/api. JSON routes must answer 4xx
 * with `{statusCode, error, message}` and a message naming what is wrong; the tracker answers
 * bencoded failure reasons (BEP 3) and tus its own protocol errors, both never 5xx.
 */

/** `payer` is a buyer without a licence (checkout refuses licence holders before reading the body). */
type Who = 'anonymous' | 'creator' | 'buyer' | 'payer' | 'admin';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

interface FuzzCase {
  name: string;
  method: Method;
  url: string;
  as: Who;
  /** Sent as JSON (supertest serialises it). */
  body?: unknown;
  /** Sent as is, `Content-Type: application/json` unless `headers` say otherwise. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** Exact status when it matters; any 4xx otherwise. */
  status?: number;
  /** What the message must say. */
  message: RegExp;
}

const KB100 = 'a'.repeat(100 * 1024);
const NOT_UUIDS = [
  'not-a-uuid',
  '1',
  '-'.repeat(36),
  'f'.repeat(36),
  `${randomUUID()}x`,
  'z'.repeat(5000),
  '__proto__',
  'constructor',
];
/** JSON text for values JSON.stringify cannot produce. */
const RAW_NUMBERS = { huge: '1e309', twoTo63: '9223372036854775808', negZero: '-0' };

type Kind = 'string' | 'int' | 'bool' | 'uuid' | 'array' | 'email' | 'key';

/** Values of the wrong type or shape for a field of this kind (each must be refused with the field's name). */
function wrongValues(kind: Kind): { label: string; value?: unknown; rawJson?: string }[] {
  const common = [
    { label: 'array', value: [1, 2] },
    { label: 'object', value: { nested: true } },
    { label: 'null', value: null },
  ];
  switch (kind) {
    case 'string':
    case 'email':
    case 'key':
      return [
        ...common,
        { label: 'number', value: 42 },
        { label: 'boolean', value: true },
        { label: '100 KB string', value: KB100 },
      ];
    case 'uuid':
      return [
        ...common,
        { label: 'number', value: 42 },
        { label: 'not a uuid', value: 'not-a-uuid' },
        { label: '100 KB string', value: KB100 },
      ];
    case 'int':
      return [
        ...common,
        { label: 'numeric string', value: '12' },
        { label: 'NaN string', value: 'NaN' },
        { label: 'boolean', value: true },
        { label: 'fraction', value: 1.5 },
        { label: '1e309', rawJson: RAW_NUMBERS.huge },
        { label: '-1', value: -1 },
      ];
    case 'bool':
      return [...common, { label: 'string', value: 'true' }, { label: 'number', value: 1 }];
    case 'array':
      return [
        { label: 'object', value: { 0: 'x' } },
        { label: 'null', value: null },
        { label: 'string', value: 'x' },
        { label: 'number', value: 7 },
      ];
  }
}

interface FieldSpec {
  kind: Kind;
  required?: boolean;
  /** null is a meaningful value here (a price's minimum: none), not a wrong type. */
  nullable?: boolean;
}

/** Sets `path` ("items.0.path") in a deep copy of `body`; `undefined` deletes it. */
function withField(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return copy;
}

/**
 * The malformed bodies of one JSON route: each field with wrong values, required fields missing,
 * an unknown field, prototype-pollution keys, NUL, non-JSON and non-object bodies, invalid UTF-8.
 */
function bodyCases(
  method: Method,
  url: string,
  as: Who,
  valid: Record<string, unknown>,
  fields: Record<string, FieldSpec>,
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  // Messages name the field; array elements ("itemIds.0") are named by their array.
  const leaf = (path: string) =>
    path
      .split('.')
      .filter((k) => !/^\d+$/.test(k))
      .at(-1)!;
  for (const [path, { kind, required, nullable }] of Object.entries(fields)) {
    for (const wrong of wrongValues(kind).filter((w) => !(nullable && w.value === null))) {
      const name = `${path}: ${wrong.label}`;
      const field = new RegExp(`\\b${leaf(path)}\\b`);
      if (wrong.rawJson !== undefined) {
        // Put a placeholder through JSON.stringify, then splice in the raw number text.
        const text = JSON.stringify(withField(valid, path, '__RAW__')).replace('"__RAW__"', wrong.rawJson);
        cases.push({ name, method, url, as, raw: text, message: field });
      } else {
        cases.push({ name, method, url, as, body: withField(valid, path, wrong.value), message: field });
      }
    }
    if (kind !== 'bool')
      cases.push({ name: `${path}: NUL`, method, url, as, body: withField(valid, path, 'a\u0000b'), message: /NUL/ });
    if (required)
      cases.push({
        name: `${path}: missing`,
        method,
        url,
        as,
        body: withField(valid, path, undefined),
        message: new RegExp(`\\b${leaf(path)}\\b`),
      });
  }
  const json = JSON.stringify(valid);
  const withKey = (key: string) => `{${JSON.stringify(key)}:{"isAdmin":true},${json.slice(1)}`;
  cases.push(
    { name: 'unknown field', method, url, as, body: { ...valid, surprise: 1 }, message: /surprise should not exist/ },
    {
      name: '__proto__ key',
      method,
      url,
      as,
      raw: withKey('__proto__'),
      status: 400,
      message: /property __proto__ should not exist/,
    },
    {
      name: 'constructor key',
      method,
      url,
      as,
      raw: withKey('constructor'),
      status: 400,
      message: /property constructor should not exist/,
    },
    {
      name: 'nested prototype key',
      method,
      url,
      as,
      raw: `{"nested":{"prototype":{"x":1}},${json.slice(1)}`,
      status: 400,
      message: /nested\.prototype: property prototype should not exist/,
    },
    { name: 'NUL in a key', method, url, as, raw: `{"a\\u0000b":1,${json.slice(1)}`, message: /NUL/ },
    { name: 'not JSON', method, url, as, raw: '{"title": oops', status: 400, message: /not valid JSON/ },
    { name: 'JSON null', method, url, as, raw: 'null', status: 400, message: /request body must be a JSON object/ },
    { name: 'JSON array', method, url, as, raw: '[1,2]', status: 400, message: /request body must be a JSON object/ },
    { name: 'JSON string', method, url, as, raw: '"text"', status: 400, message: /request body must be a JSON object/ },
    { name: 'JSON number', method, url, as, raw: '1e309', status: 400, message: /request body must be a JSON object/ },
    {
      name: 'invalid UTF-8',
      method,
      url,
      as,
      raw: Buffer.concat([
        Buffer.from(`${json.slice(0, -1)},"x":"`),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}'),
      ]),
      status: 400,
      message: /not valid UTF-8/,
    },
  );
  return cases;
}

/** Malformed `:id` path parameters for a route template like `/v1/bundles/:id`. */
function idCases(method: Method, template: string, as: Who, body?: unknown): FuzzCase[] {
  return NOT_UUIDS.map((bad) => ({
    name: `id ${bad.length > 40 ? `${bad.slice(0, 10)}…(${bad.length})` : JSON.stringify(bad)}`,
    method,
    url: template.replace(/:\w+/, encodeURIComponent(bad)),
    as,
    body,
    message: /uuid|not found/,
  }));
}

/** Malformed page/perPage query strings of a paginated list. */
function pageCases(url: string, as: Who): FuzzCase[] {
  const q = (query: string, message: RegExp): FuzzCase => ({
    name: `?${query.slice(0, 60)}`,
    method: 'get',
    url: `${url}?${query}`,
    as,
    status: 400,
    message,
  });
  return [
    q('page=-1', /page must not be less than 1/),
    q('page=0', /page must not be less than 1/),
    q('page=abc', /page must be an integer/),
    q('page=1e309', /page must be an integer/),
    q('page=1.5', /page must be an integer/),
    q('page=9223372036854775808', /page must not be greater than/),
    q('page=1&page=2', /page must be an integer/),
    q('page[]=1', /page\[\] should not exist/),
    q('page=', /page must not be less than 1/),
    q('perPage=101', /perPage must not be greater than 100/),
    q('perPage=-5', /perPage must not be less than 1/),
    q(`perPage=${'9'.repeat(400)}`, /perPage must/),
    q('page=%00', /NUL/),
    q('sort=title', /sort should not exist/),
    q('__proto__=1', /__proto__ should not exist/),
  ];
}

/** Paths (no query) a case was sent to, for the coverage check at the end. */
const hits = new Set<string>();
const hit = (url: string) => hits.add(url.split('?')[0]);

function isJsonError(res: request.Response): boolean {
  return /application\/json/.test(res.headers['content-type'] ?? '');
}

function messageOf(res: request.Response): string {
  if (isJsonError(res)) return ([] as unknown[]).concat(res.body?.message).join('; ');
  return Buffer.isBuffer(res.body) ? res.body.toString('utf8') : String(res.text ?? '');
}

describe('input fuzz (e2e): malformed input on every route → 4xx that says what is wrong', () => {
  let emulator: StripeEmulator;
  let app: NestExpressApplication;
  let http: App;
  let prisma: PrismaService;
  const users = {} as Record<Exclude<Who, 'anonymous'>, TestUser>;
  let draftId: string;
  let draftItemId: string;
  let publishedId: string;
  let publishedSlug: string;
  let lockedPath: string;
  let licenseId: string;
  let orderId: string;
  let deviceId: string;
  let tokenId: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // Rate limits high enough for the table (the limits themselves have their own specs).
    for (const [k, v] of Object.entries({
      AUTH_REQUESTS_PER_MINUTE: '10000',
      KEY_REQUESTS_PER_MINUTE: '10000',
      ANNOUNCES_PER_MINUTE: '10000',
    })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    emulator = await startEmulatorForApp();
    app = await startTestApp();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
    users.admin = await createAdminUser(app);
    users.creator = await registerUser(app, ['CREATOR'], 'Fuzz Studio');
    users.buyer = await registerUser(app, ['BUYER'], 'Fuzz Buyer');
    users.payer = await registerUser(app, ['BUYER'], 'Fuzz Payer');

    const draft = await request(http)
      .post('/v1/bundles')
      .set(users.creator.auth)
      .send({ title: 'Fuzz draft' })
      .expect(201);
    draftId = draft.body.id;
    const items = await request(http)
      .post(`/v1/bundles/${draftId}/items`)
      .set(users.creator.auth)
      .send({ items: [{ path: 'film.mkv' }] })
      .expect(201);
    draftItemId = items.body.items[0].id;

    publishedId = await createPublishedBundle(app, users.creator.id, 'Fuzz film');
    const item = await createReadyItem(app, publishedId, { previewPieces: 1 });
    const bundle = await prisma.bundle.findUniqueOrThrow({ where: { id: publishedId }, include: { items: true } });
    publishedSlug = bundle.slug;
    lockedPath = `${bundle.items[0].path}.locked`;
    await app.get<BlobStore>(BLOB_STORE).put(publishedKey(publishedId, lockedPath), Buffer.concat(item.pieces));
    await request(http)
      .put(`/v1/admin/bundles/${publishedId}/price`)
      .set(users.admin.auth)
      .send({ amount: 1500, currency: 'usd' })
      .expect(200);

    const order = await prisma.order.create({
      data: {
        bundleId: publishedId,
        buyerId: users.buyer.id,
        amount: 1500,
        currency: 'usd',
        status: 'PAID',
        paidAt: new Date(),
      },
    });
    orderId = order.id;
    licenseId = (await prisma.license.create({ data: { orderId, bundleId: publishedId, buyerId: users.buyer.id } })).id;
    deviceId = (
      await request(http)
        .post(`/v1/licenses/${licenseId}/devices`)
        .set(users.buyer.auth)
        .send({ publicKey: generateDeviceKeyPair().publicKey })
        .expect(201)
    ).body.id;
    tokenId = (await request(http).post('/v1/me/tokens').set(users.creator.auth).send({ name: 'fuzz' }).expect(201))
      .body.id;
  });

  afterAll(async () => {
    await app.close();
    await emulator.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  function send(c: FuzzCase): request.Test {
    hit(c.url);
    let req = request(http)[c.method](c.url).buffer(true);
    if (c.as !== 'anonymous') req = req.set(users[c.as].auth);
    if (c.raw !== undefined) req = req.set('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
    // A Buffer goes out as its bytes (superagent would JSON-encode it).
    if (Buffer.isBuffer(c.raw)) return req.serialize((bytes: unknown) => bytes as string).send(c.raw);
    if (c.raw !== undefined) return req.send(c.raw);
    return c.body === undefined ? req : req.send(c.body as object);
  }

  /** Runs the cases, then fails once with every case that broke the contract. */
  async function expectAllRefused(cases: FuzzCase[]): Promise<void> {
    const broken: string[] = [];
    for (const c of cases) {
      const res = await send(c);
      const message = messageOf(res);
      const problems = [
        res.status < 400 || res.status >= 500 ? `status ${res.status}` : null,
        c.status !== undefined && res.status !== c.status ? `status ${res.status}, expected ${c.status}` : null,
        !isJsonError(res) ? `content-type ${res.headers['content-type']}` : null,
        isJsonError(res) && (res.body.statusCode !== res.status || res.body.error !== STATUS_CODES[res.status])
          ? `body ${JSON.stringify(res.body).slice(0, 200)}`
          : null,
        !c.message.test(message) || /internal error/i.test(message)
          ? `message ${JSON.stringify(message.slice(0, 300))} does not match ${c.message}`
          : null,
      ].filter(Boolean);
      if (problems.length)
        broken.push(`${c.method.toUpperCase()} ${c.url.slice(0, 100)} [${c.as}] ${c.name}: ${problems.join(', ')}`);
    }
    expect(broken).toEqual([]);
  }

  it('routes that take no input ignore junk in the query string', async () => {
    const junk = `x[]=1&__proto__=1&page=${'9'.repeat(400)}`;
    const health = await request(http).get(`/health?verbose=%00&${junk}`).expect(200);
    expect(health.body.postgres).toEqual({ status: 'up' }); // 'ok' or 'degraded': whether a worker runs is not this test's business
    for (const url of ['/v1/me', '/v1/me/tokens', '/v1/orders', '/v1/licenses']) {
      const res = await request(http).get(`${url}?${junk}`).set(users.buyer.auth);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
    ['/health', '/v1/me', '/v1/me/tokens', '/v1/orders', '/v1/licenses'].forEach(hit);
  });

  describe('accounts', () => {
    it('POST /v1/auth/register', async () => {
      const valid = {
        email: `fuzz-${randomUUID()}@example.test`,
        password: 'long enough password',
        displayName: 'Fuzz',
        roles: ['BUYER'],
      };
      await expectAllRefused([
        ...bodyCases('post', '/v1/auth/register', 'anonymous', valid, {
          email: { kind: 'email', required: true },
          password: { kind: 'string', required: true },
          displayName: { kind: 'string', required: true },
          roles: { kind: 'array' },
        }),
        {
          name: 'ADMIN role',
          method: 'post',
          url: '/v1/auth/register',
          as: 'anonymous',
          body: { ...valid, roles: ['ADMIN'] },
          status: 400,
          message: /roles/,
        },
      ]);
      expect(await prisma.user.count({ where: { email: valid.email } })).toBe(0);
    });

    it('POST /v1/auth/login and /v1/auth/logout', async () => {
      await expectAllRefused([
        ...bodyCases(
          'post',
          '/v1/auth/login',
          'anonymous',
          { email: users.buyer.email, password: 'wrong password' },
          {
            email: { kind: 'email', required: true },
            password: { kind: 'string', required: true },
          },
        ),
        {
          name: 'no token',
          method: 'post',
          url: '/v1/auth/logout',
          as: 'anonymous',
          status: 401,
          message: /bearer token is required/,
        },
        {
          name: 'Basic auth',
          method: 'post',
          url: '/v1/auth/logout',
          as: 'anonymous',
          headers: { Authorization: 'Basic YTpi' },
          status: 401,
          message: /Bearer <token>/,
        },
        {
          name: 'garbage token',
          method: 'post',
          url: '/v1/auth/logout',
          as: 'anonymous',
          headers: { Authorization: `Bearer ${KB100.slice(0, 8000)}` },
          status: 401,
          message: /invalid/,
        },
      ]);
    });

    it('/v1/me and personal tokens', async () => {
      await expectAllRefused([
        { name: 'no token', method: 'get', url: '/v1/me', as: 'anonymous', status: 401, message: /bearer token/ },
        ...bodyCases(
          'post',
          '/v1/me/tokens',
          'creator',
          { name: 'cli', expiresInDays: 30 },
          { name: { kind: 'string', required: true }, expiresInDays: { kind: 'int' } },
        ),
        {
          name: 'expiresInDays 2^63',
          method: 'post',
          url: '/v1/me/tokens',
          as: 'creator',
          raw: `{"name":"x","expiresInDays":${RAW_NUMBERS.twoTo63}}`,
          status: 400,
          message: /expiresInDays/,
        },
        {
          name: 'expiresInDays -0',
          method: 'post',
          url: '/v1/me/tokens',
          as: 'creator',
          raw: `{"name":"x","expiresInDays":${RAW_NUMBERS.negZero}}`,
          status: 400,
          message: /expiresInDays/,
        },
        ...idCases('delete', '/v1/me/tokens/:tokenId', 'creator'),
        ...bodyCases(
          'put',
          '/v1/me/password',
          'creator',
          { currentPassword: 'correct horse battery staple', newPassword: 'correct horse battery staple' },
          { currentPassword: { kind: 'string', required: true }, newPassword: { kind: 'string', required: true } },
        ),
        {
          name: 'wrong current password',
          method: 'put',
          url: '/v1/me/password',
          as: 'creator',
          body: { currentPassword: 'not the password', newPassword: 'a new long password' },
          status: 400,
          message: /currentPassword is wrong/,
        },
      ]);
      const tokens = await request(http).get('/v1/me/tokens').set(users.creator.auth).expect(200);
      expect(tokens.body.map((t: { id: string }) => t.id)).toEqual([tokenId]);
    });
  });

  describe('bundles and items (creator)', () => {
    it('POST /v1/bundles, GET /v1/bundles', async () => {
      const before = await prisma.bundle.count({ where: { creatorId: users.creator.id } });
      await expectAllRefused([
        ...bodyCases(
          'post',
          '/v1/bundles',
          'creator',
          { title: 'T', description: 'd', pieceLength: 16384 },
          {
            title: { kind: 'string', required: true },
            description: { kind: 'string' },
            pieceLength: { kind: 'int' },
          },
        ),
        {
          name: 'pieceLength 2^63',
          method: 'post',
          url: '/v1/bundles',
          as: 'creator',
          raw: `{"title":"T","pieceLength":${RAW_NUMBERS.twoTo63}}`,
          status: 400,
          message: /pieceLength must be a power of two/,
        },
        {
          name: 'pieceLength not a power of two',
          method: 'post',
          url: '/v1/bundles',
          as: 'creator',
          body: { title: 'T', pieceLength: 20000 },
          status: 400,
          message: /pieceLength must be a power of two/,
        },
        // Decoded leniently, these bytes would be stored as a title of U+FFFD.
        {
          name: 'title of invalid UTF-8',
          method: 'post',
          url: '/v1/bundles',
          as: 'creator',
          raw: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
          status: 400,
          message: /not valid UTF-8/,
        },
        {
          name: 'buyer',
          method: 'post',
          url: '/v1/bundles',
          as: 'buyer',
          body: { title: 'T' },
          status: 403,
          message: /creator role/,
        },
        ...pageCases('/v1/bundles', 'creator'),
      ]);
      expect(await prisma.bundle.count({ where: { creatorId: users.creator.id } })).toBe(before);
    });

    it('GET/PATCH/DELETE /v1/bundles/:id and its actions', async () => {
      const before = await prisma.bundle.findUniqueOrThrow({ where: { id: draftId } });
      await expectAllRefused([
        ...bodyCases(
          'patch',
          `/v1/bundles/${draftId}`,
          'creator',
          { title: 'New', description: 'New' },
          { title: { kind: 'string' }, description: { kind: 'string' } },
        ),
        ...idCases('get', '/v1/bundles/:id', 'creator'),
        ...idCases('patch', '/v1/bundles/:id', 'creator', { title: 'x' }),
        ...idCases('delete', '/v1/bundles/:id', 'creator'),
        ...idCases('post', '/v1/bundles/:id/publish', 'creator'),
        ...idCases('post', '/v1/bundles/:id/unlist', 'creator'),
        ...idCases('post', '/v1/bundles/:id/relist', 'admin'),
        ...bodyCases(
          'post',
          `/v1/bundles/${draftId}/publish`,
          'creator',
          { releaseAt: '2030-01-01T18:00:00Z' },
          { releaseAt: { kind: 'string' } },
        ),
        ...bodyCases(
          'put',
          `/v1/bundles/${draftId}/release`,
          'creator',
          { releaseAt: '2030-01-01T18:00:00Z' },
          { releaseAt: { kind: 'string', required: true, nullable: true } },
        ),
        ...['2030-01-01', '2030-01-01T18:00:00', '2030-02-30T18:00:00Z', 'tomorrow', '9999-01-01T00:00:00Z'].map(
          (releaseAt): FuzzCase => ({
            name: `releaseAt ${releaseAt}`,
            method: 'put',
            url: `/v1/bundles/${draftId}/release`,
            as: 'creator',
            body: { releaseAt },
            status: 400,
            message: /releaseAt/,
          }),
        ),
        ...idCases('put', '/v1/bundles/:id/release', 'creator', { releaseAt: null }),
        ...idCases('get', '/v1/bundles/:id/sales', 'admin'),
        ...idCases('get', '/v1/bundles/:id/egress', 'admin'),
        ...[
          ['from=yesterday', /from must be a date as YYYY-MM-DD/],
          ['to=2026-02-30', /to is not a calendar date/],
          ['from=2026-12-02&to=2026-12-01', /from must not be after to/],
          ['from=2020-01-01&to=2026-12-01', /at most 366 days/],
          ['to=2026-12-01&to=2026-12-02', /to must be a date/],
          [`from=${'9'.repeat(5000)}`, /from must be a date/],
        ].map(([query, message]) => ({
          name: `egress ?${String(query).slice(0, 40)}`,
          method: 'get' as const,
          url: `/v1/bundles/${draftId}/egress?${query}`,
          as: 'creator' as const,
          status: 400,
          message: message as RegExp,
        })),
        { name: 'NUL in id', method: 'get', url: '/v1/bundles/%00', as: 'creator', status: 400, message: /NUL/ },
        {
          name: 'invalid percent-encoding',
          method: 'get',
          url: '/v1/bundles/%E0%A4%A',
          as: 'creator',
          status: 400,
          message: /decode|uuid|not found/,
        },
      ]);
      const after = await prisma.bundle.findUniqueOrThrow({ where: { id: draftId } });
      expect(after).toEqual(before);
    });

    it('items: add, reorder, update, remove', async () => {
      const before = await prisma.item.findMany({ where: { bundleId: draftId }, orderBy: { position: 'asc' } });
      const base = `/v1/bundles/${draftId}/items`;
      await expectAllRefused([
        ...bodyCases(
          'post',
          base,
          'creator',
          { items: [{ path: 'extra.mkv', locked: true, previewPieces: 1, size: 1000 }] },
          {
            items: { kind: 'array', required: true },
            'items.0.path': { kind: 'string', required: true },
            'items.0.locked': { kind: 'bool' },
            'items.0.previewPieces': { kind: 'int' },
            'items.0.size': { kind: 'int' },
          },
        ),
        ...[
          ['../escape', /\.\./],
          ['/abs', /absolute|\//],
          ['a//b', /empty/],
          ['keyseed.json', /reserved/],
          ['.pad/1', /reserved/],
          ['a\\b', /backslash/],
          ['a\u0001b', /control/],
        ].map(([path, message]) => ({
          name: `path ${JSON.stringify(path)}`,
          method: 'post' as const,
          url: base,
          as: 'creator' as const,
          body: { items: [{ path }] },
          status: 400,
          message: message as RegExp,
        })),
        {
          name: 'empty items',
          method: 'post',
          url: base,
          as: 'creator',
          body: { items: [] },
          status: 400,
          message: /items/,
        },
        {
          name: 'items not objects',
          method: 'post',
          url: base,
          as: 'creator',
          body: { items: ['film.mkv', 3] },
          status: 400,
          message: /items/,
        },
        {
          name: 'previewPieces 2^63',
          method: 'post',
          url: base,
          as: 'creator',
          raw: `{"items":[{"path":"x.bin","previewPieces":${RAW_NUMBERS.twoTo63}}]}`,
          status: 400,
          message: /previewPieces/,
        },
        {
          name: 'size 2^63',
          method: 'post',
          url: base,
          as: 'creator',
          raw: `{"items":[{"path":"x.bin","size":${RAW_NUMBERS.twoTo63}}]}`,
          status: 400,
          message: /size/,
        },
        ...bodyCases(
          'put',
          `${base}/order`,
          'creator',
          { itemIds: [draftItemId] },
          { itemIds: { kind: 'array', required: true }, 'itemIds.0': { kind: 'uuid' } },
        ),
        {
          name: 'duplicate ids',
          method: 'put',
          url: `${base}/order`,
          as: 'creator',
          body: { itemIds: [draftItemId, draftItemId] },
          status: 400,
          message: /itemIds/,
        },
        ...bodyCases(
          'patch',
          `${base}/${draftItemId}`,
          'creator',
          { path: 'renamed.mkv', locked: false, previewPieces: 2, size: 1000 },
          {
            path: { kind: 'string' },
            locked: { kind: 'bool' },
            previewPieces: { kind: 'int' },
            size: { kind: 'int' },
          },
        ),
        ...idCases('patch', `/v1/bundles/${draftId}/items/:itemId`, 'creator', { locked: true }),
        ...idCases('delete', `/v1/bundles/${draftId}/items/:itemId`, 'creator'),
        ...idCases('post', '/v1/bundles/:id/items', 'creator', { items: [{ path: 'x' }] }),
      ]);
      expect(await prisma.item.findMany({ where: { bundleId: draftId }, orderBy: { position: 'asc' } })).toEqual(
        before,
      );
    });
  });

  describe('catalog and checkout', () => {
    it('catalog lists, bundle pages and torrents', async () => {
      await expectAllRefused([
        ...pageCases('/v1/catalog', 'anonymous'),
        {
          name: 'long slug',
          method: 'get',
          url: `/v1/catalog/${'s'.repeat(5000)}`,
          as: 'anonymous',
          status: 404,
          message: /not found/,
        },
        {
          name: '__proto__ slug',
          method: 'get',
          url: '/v1/catalog/__proto__',
          as: 'anonymous',
          status: 404,
          message: /not found/,
        },
        {
          name: 'invalid UTF-8 slug',
          method: 'get',
          url: '/v1/catalog/%C3%28',
          as: 'anonymous',
          status: 400,
          message: /Failed to decode param/,
        },
        {
          name: 'format v2',
          method: 'get',
          url: `/v1/catalog/${publishedSlug}/torrent?format=v2`,
          as: 'anonymous',
          status: 400,
          message: /format must be one of/,
        },
        {
          name: 'format twice',
          method: 'get',
          url: `/v1/catalog/${publishedSlug}/torrent?format=v1&format=hybrid`,
          as: 'anonymous',
          status: 400,
          message: /format must be one of/,
        },
        {
          name: 'unknown query',
          method: 'get',
          url: `/v1/catalog/${publishedSlug}/torrent?x=1`,
          as: 'anonymous',
          status: 400,
          message: /x should not exist/,
        },
        {
          name: 'v1 of unknown slug',
          method: 'get',
          url: '/v1/catalog/no-such-slug/torrent/v1',
          as: 'anonymous',
          status: 404,
          message: /not found/,
        },
      ]);
    });

    it('checkout, orders and the return pages', async () => {
      const orders = await prisma.order.count({ where: { bundleId: publishedId } });
      await expectAllRefused([
        ...bodyCases(
          'post',
          `/v1/bundles/${publishedId}/checkout`,
          'payer',
          { amount: 1500, code: 'NOSUCHCODE' },
          { amount: { kind: 'int' }, code: { kind: 'string' } },
        ),
        {
          name: 'unknown discount code',
          method: 'post',
          url: `/v1/bundles/${publishedId}/checkout`,
          as: 'payer',
          body: { code: 'NOSUCHCODE' },
          status: 400,
          message: /no discount code NOSUCHCODE for this bundle/,
        },
        {
          name: 'amount 2^63',
          method: 'post',
          url: `/v1/bundles/${publishedId}/checkout`,
          as: 'payer',
          raw: `{"amount":${RAW_NUMBERS.twoTo63}}`,
          status: 400,
          message: /amount|fixed price/,
        },
        {
          name: 'amount 1499 on a fixed price',
          method: 'post',
          url: `/v1/bundles/${publishedId}/checkout`,
          as: 'payer',
          body: { amount: 1499 },
          status: 400,
          message: /fixed price of 1500/,
        },
        {
          name: 'amount -0 on a fixed price',
          method: 'post',
          url: `/v1/bundles/${publishedId}/checkout`,
          as: 'payer',
          raw: `{"amount":${RAW_NUMBERS.negZero}}`,
          status: 400,
          message: /fixed price/,
        },
        ...idCases('post', '/v1/bundles/:id/checkout', 'buyer', {}),
        ...idCases('get', '/v1/orders/:id', 'buyer'),
      ]);
      expect(await prisma.order.count({ where: { bundleId: publishedId } })).toBe(orders);
      await expectAllRefused(idCases('get', '/v1/checkout/orders/:id', 'anonymous'));
    });
  });

  describe('licenses, devices and keys (buyer)', () => {
    it('devices and licenses', async () => {
      await expectAllRefused([
        ...bodyCases(
          'post',
          `/v1/licenses/${licenseId}/devices`,
          'buyer',
          { publicKey: generateDeviceKeyPair().publicKey, name: 'n' },
          {
            publicKey: { kind: 'key', required: true },
            name: { kind: 'string' },
          },
        ),
        {
          name: 'publicKey too short',
          method: 'post',
          url: `/v1/licenses/${licenseId}/devices`,
          as: 'buyer',
          body: { publicKey: 'abc' },
          status: 400,
          message: /publicKey must be a raw 32-byte X25519 key/,
        },
        ...idCases('post', '/v1/licenses/:id/devices', 'buyer', { publicKey: generateDeviceKeyPair().publicKey }),
        ...idCases('get', '/v1/licenses/:id/devices', 'buyer'),
        ...idCases('delete', `/v1/licenses/${licenseId}/devices/:deviceId`, 'buyer'),
        ...idCases('get', '/v1/licenses/:id', 'buyer'),
      ]);
      expect(await prisma.device.count({ where: { licenseId } })).toBe(1);
    });

    it('key deliveries and previews', async () => {
      const deliveries = await prisma.keyDelivery.count({ where: { licenseId } });
      const item = (await prisma.item.findFirstOrThrow({ where: { bundleId: publishedId } })).id;
      const keys = `/v1/licenses/${licenseId}/keys`;
      await expectAllRefused([
        ...bodyCases(
          'post',
          keys,
          'buyer',
          { deviceId, items: [{ itemId: item }] },
          {
            deviceId: { kind: 'uuid', required: true },
            items: { kind: 'array' },
            'items.0.itemId': { kind: 'uuid', required: true },
          },
        ),
        {
          name: 'a piece range in a license delivery (whole items only)',
          method: 'post',
          url: keys,
          as: 'buyer',
          body: { deviceId, items: [{ itemId: item, first: 0, last: 1 }] },
          status: 400,
          message: /first|last/,
        },
        {
          name: 'preview last 2^63',
          method: 'post',
          url: `/v1/bundles/${publishedId}/preview-keys`,
          as: 'anonymous',
          raw: `{"publicKey":"${generateDeviceKeyPair().publicKey}","items":[{"itemId":"${item}","last":${RAW_NUMBERS.twoTo63}}]}`,
          status: 400,
          message: /last|piece/,
        },
        {
          name: 'preview first after last',
          method: 'post',
          url: `/v1/bundles/${publishedId}/preview-keys`,
          as: 'anonymous',
          body: { publicKey: generateDeviceKeyPair().publicKey, items: [{ itemId: item, first: 2, last: 1 }] },
          status: 400,
          message: /first|last|piece/,
        },
        ...idCases('post', '/v1/licenses/:id/keys', 'buyer', { deviceId }),
        ...bodyCases(
          'post',
          `/v1/bundles/${publishedId}/preview-keys`,
          'anonymous',
          { publicKey: generateDeviceKeyPair().publicKey, items: [{ itemId: item, first: 0, last: 0 }] },
          {
            publicKey: { kind: 'key', required: true },
            'items.0.itemId': { kind: 'uuid', required: true },
            'items.0.first': { kind: 'int' },
            'items.0.last': { kind: 'int' },
          },
        ),
        ...idCases('post', '/v1/bundles/:id/preview-keys', 'anonymous', {
          publicKey: generateDeviceKeyPair().publicKey,
        }),
      ]);
      expect(await prisma.keyDelivery.count({ where: { licenseId } })).toBe(deliveries);
    });
  });

  describe('admin', () => {
    it('prices: a refused change leaves the price and its history unchanged', async () => {
      const history = await prisma.priceChange.findMany({ where: { bundleId: publishedId } });
      const url = `/v1/admin/bundles/${publishedId}/price`;
      await expectAllRefused([
        ...bodyCases(
          'put',
          url,
          'admin',
          { amount: 2000, currency: 'eur', minimum: 500 },
          {
            amount: { kind: 'int', required: true },
            currency: { kind: 'string', required: true },
            minimum: { kind: 'int', nullable: true },
          },
        ),
        {
          name: 'amount 2^63',
          method: 'put',
          url,
          as: 'admin',
          raw: `{"amount":${RAW_NUMBERS.twoTo63},"currency":"usd"}`,
          status: 400,
          message: /maximum/,
        },
        {
          name: 'amount -0',
          method: 'put',
          url,
          as: 'admin',
          raw: `{"amount":${RAW_NUMBERS.negZero},"currency":"usd"}`,
          status: 400,
          message: /below Stripe's minimum/,
        },
        {
          name: 'creator',
          method: 'put',
          url,
          as: 'creator',
          body: { amount: 2000, currency: 'eur' },
          status: 403,
          message: /admin role/,
        },
        ...idCases('put', '/v1/admin/bundles/:id/price', 'admin', { amount: 2000, currency: 'eur' }),
        ...idCases('delete', '/v1/admin/bundles/:id/price', 'admin'),
        ...idCases('get', '/v1/admin/bundles/:id/prices', 'admin'),
      ]);
      expect(await prisma.priceChange.findMany({ where: { bundleId: publishedId } })).toEqual(history);
      expect(await prisma.bundle.findUniqueOrThrow({ where: { id: publishedId } })).toMatchObject({
        priceAmount: 1500,
        priceCurrency: 'usd',
        priceMinimum: null,
      });
    });

    it('takedown, restore, refunds, users', async () => {
      const target = await registerUser(app, ['BUYER']);
      const audits = await prisma.auditLog.count({ where: { actorId: users.admin.id } });
      await expectAllRefused([
        ...bodyCases(
          'post',
          `/v1/admin/bundles/${publishedId}/takedown`,
          'admin',
          { reason: 'DMCA notice' },
          { reason: { kind: 'string', required: true } },
        ),
        ...idCases('post', '/v1/admin/bundles/:id/takedown', 'admin', { reason: 'DMCA notice' }),
        ...idCases('post', '/v1/admin/bundles/:id/restore', 'admin'),
        ...bodyCases(
          'post',
          `/v1/admin/orders/${orderId}/refund`,
          'admin',
          { reason: 'duplicate', note: 'n' },
          { reason: { kind: 'string' }, note: { kind: 'string' } },
        ),
        ...idCases('post', '/v1/admin/orders/:id/refund', 'admin', {}),
        ...pageCases('/v1/admin/orders', 'admin'),
        ...[
          ['status=NOPE', /status must be one of/],
          ['status=paid', /status must be one of/],
          ['status=PAID&status=REFUNDED', /status must be one of/],
          [`buyer=${'a'.repeat(201)}`, /buyer must be shorter/],
          ['buyer=a&buyer=b', /buyer must be a string/],
          [`bundle=${'b'.repeat(201)}`, /bundle must be shorter/],
          ['bundle[]=x', /bundle must be a string|bundle\[\] should not exist/],
        ].map(([query, message]) => ({
          name: `orders ?${String(query).slice(0, 40)}`,
          method: 'get' as const,
          url: `/v1/admin/orders?${query}`,
          as: 'admin' as const,
          status: 400,
          message: message as RegExp,
        })),
        {
          name: 'orders as creator',
          method: 'get',
          url: '/v1/admin/orders',
          as: 'creator',
          status: 403,
          message: /admin role/,
        },
        ...pageCases('/v1/admin/users', 'admin'),
        ...bodyCases(
          'patch',
          `/v1/admin/users/${target.id}`,
          'admin',
          { roles: ['BUYER', 'CREATOR'], disabled: false },
          { roles: { kind: 'array' }, 'roles.0': { kind: 'string' }, disabled: { kind: 'bool' } },
        ),
        {
          name: 'unknown role',
          method: 'patch',
          url: `/v1/admin/users/${target.id}`,
          as: 'admin',
          body: { roles: ['ROOT'] },
          status: 400,
          message: /roles/,
        },
        ...idCases('patch', '/v1/admin/users/:id', 'admin', { disabled: true }),
        ...pageCases('/v1/admin/audit', 'admin'),
        ...[
          ['actorId=nope', /actorId must be a UUID/],
          ['actorId=a&actorId=b', /actorId must be a UUID/],
          ['action=DROP%20TABLE', /action must be lower-case/],
          [`action=${'a'.repeat(5000)}`, /action must be shorter/],
          ['targetType=a%0Ab', /targetType must be lower-case/],
          ['targetId=%25%27', /targetId must be an id/],
          ['targetId=x&targetId=y', /targetId must be a string/],
        ].map(([query, message]) => ({
          name: `?${String(query).slice(0, 40)}`,
          method: 'get' as const,
          url: `/v1/admin/audit?${query}`,
          as: 'admin' as const,
          status: 400,
          message: message as RegExp,
        })),
        { name: 'creator', method: 'get', url: '/v1/admin/audit', as: 'creator', status: 403, message: /admin role/ },
        {
          name: 'metrics as creator',
          method: 'get',
          url: '/metrics',
          as: 'creator',
          status: 403,
          message: /admin role/,
        },
      ]);
      expect(await prisma.auditLog.count({ where: { actorId: users.admin.id } })).toBe(audits);
      expect(await prisma.user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
        roles: ['BUYER'],
        disabledAt: null,
      });
      expect(await prisma.bundle.findUniqueOrThrow({ where: { id: publishedId } })).toMatchObject({
        status: 'PUBLISHED',
        takedownReason: null,
      });
    });
  });

  describe('payouts (Stripe Connect)', () => {
    it('creator fee overrides, seller of record, earnings, payout account', async () => {
      const fees = await prisma.creatorFeeChange.count({ where: { creatorId: users.creator.id } });
      const feeUrl = `/v1/admin/creators/${users.creator.id}/fee`;
      // The public return page takes no input: junk in the query string changes nothing.
      hit('/v1/payouts/onboarding');
      const page = await request(http).get('/v1/payouts/onboarding?expired=%01&__proto__=1&x[]=1').expect(200);
      expect(page.text).toMatch(/Payout account/);
      await expectAllRefused([
        ...bodyCases(
          'put',
          feeUrl,
          'admin',
          { percent: 7.5 },
          { percent: { kind: 'int', required: true, nullable: true } },
        )
          // A fraction is a valid percentage (two decimals).
          .filter((c) => c.name !== 'percent: fraction'),
        {
          name: 'three decimals',
          method: 'put',
          url: feeUrl,
          as: 'admin',
          body: { percent: 7.125 },
          status: 400,
          message: /percent/,
        },
        {
          name: 'above 100',
          method: 'put',
          url: feeUrl,
          as: 'admin',
          body: { percent: 101 },
          status: 400,
          message: /percent/,
        },
        {
          name: 'creator',
          method: 'put',
          url: feeUrl,
          as: 'creator',
          body: { percent: 0 },
          status: 403,
          message: /admin role/,
        },
        {
          name: 'not a creator',
          method: 'put',
          url: `/v1/admin/creators/${users.buyer.id}/fee`,
          as: 'admin',
          body: { percent: 1 },
          status: 404,
          message: /creator .* not found/,
        },
        ...idCases('put', '/v1/admin/creators/:id/fee', 'admin', { percent: 1 }),
        ...idCases('get', '/v1/admin/creators/:id/fees', 'admin'),
        ...bodyCases(
          'put',
          `/v1/admin/bundles/${publishedId}/seller-of-record`,
          'admin',
          { platform: true },
          { platform: { kind: 'bool', required: true } },
        ),
        ...idCases('put', '/v1/admin/bundles/:id/seller-of-record', 'admin', { platform: true }),
        ...(
          [
            ['by=year', /by must be bundle or month/],
            ['by=a&by=b', /by must be bundle or month/],
            ['by=%00', /NUL/],
          ] as const
        ).map(([query, message]) => ({
          name: `?${query}`,
          method: 'get' as const,
          url: `/v1/payouts/earnings?${query}`,
          as: 'creator' as const,
          status: 400,
          message,
        })),
        {
          name: 'buyer',
          method: 'get',
          url: '/v1/payouts/earnings',
          as: 'buyer',
          status: 403,
          message: /creator role/,
        },
        {
          name: 'buyer',
          method: 'post',
          url: '/v1/payouts/account',
          as: 'buyer',
          status: 403,
          message: /creator role/,
        },
        {
          name: 'anonymous',
          method: 'get',
          url: '/v1/payouts/account',
          as: 'anonymous',
          status: 401,
          message: /token/i,
        },
        {
          name: 'no account yet',
          method: 'post',
          url: '/v1/payouts/dashboard-link',
          as: 'creator',
          body: { junk: 1 },
          status: 404,
          message: /no payout account yet/,
        },
      ]);
      expect(await prisma.creatorFeeChange.count({ where: { creatorId: users.creator.id } })).toBe(fees);
      expect((await prisma.bundle.findUniqueOrThrow({ where: { id: publishedId } })).platformSellerOfRecord).toBe(true);
    });
  });

  describe('codes and gifts', () => {
    it('discount codes, redeem batches, redeeming and gifts', async () => {
      // Counted for this suite's own accounts and bundle: other suites share the database.
      const codes = await prisma.discountCode.count({ where: { creatorId: users.creator.id } });
      const batches = await prisma.redeemBatch.count({ where: { bundleId: publishedId } });
      const batch = await request(http)
        .post(`/v1/bundles/${publishedId}/redeem-batches`)
        .set(users.creator.auth)
        .send({ count: 1 })
        .expect(201);
      const batchUrl = (suffix: string) => `/v1/redeem-batches/${batch.body.id}${suffix}`;
      const hour = new Date(Date.now() + 3600_000).toISOString();
      const codeCase = (name: string, body: object, message: RegExp): FuzzCase => ({
        name,
        method: 'post',
        url: '/v1/discount-codes',
        as: 'creator',
        body,
        status: 400,
        message,
      });
      await expectAllRefused([
        ...bodyCases(
          'post',
          '/v1/discount-codes',
          'creator',
          { code: 'FUZZ10', bundleId: publishedId, percentOff: 10, maxUses: 5, startsAt: hour },
          {
            code: { kind: 'string', required: true },
            bundleId: { kind: 'uuid' },
            percentOff: { kind: 'int' },
            maxUses: { kind: 'int' },
            startsAt: { kind: 'string', nullable: true },
          },
        ),
        ...bodyCases(
          'post',
          '/v1/discount-codes',
          'creator',
          { code: 'FUZZ5', amountOff: 500, currency: 'usd', endsAt: hour },
          {
            amountOff: { kind: 'int' },
            currency: { kind: 'string' },
            endsAt: { kind: 'string', nullable: true },
            creatorId: { kind: 'uuid' },
          },
        ),
        codeCase('both kinds', { code: 'BOTH', percentOff: 10, amountOff: 5, currency: 'usd' }, /exactly one of/),
        codeCase('neither kind', { code: 'NONE' }, /exactly one of percentOff or amountOff/),
        codeCase('100 percent', { code: 'ALL', percentOff: 100 }, /percentOff must be an integer from 1 to 99/),
        codeCase('0 percent', { code: 'ZERO', percentOff: 0 }, /percentOff must be an integer from 1 to 99/),
        codeCase('amount without currency', { code: 'AMT', amountOff: 100 }, /amountOff needs the currency/),
        codeCase(
          'unsupported currency',
          { code: 'AMT', amountOff: 100, currency: 'xyz' },
          /amountOff needs the currency/,
        ),
        codeCase('zero amount', { code: 'AMT', amountOff: 0, currency: 'usd' }, /amountOff must be a positive integer/),
        codeCase(
          'percent with currency',
          { code: 'PCT', percentOff: 5, currency: 'usd' },
          /currency belongs to amountOff/,
        ),
        codeCase('bad characters', { code: 'no spaces', percentOff: 5 }, /code must be 3–40 letters/),
        codeCase('too short', { code: 'AB', percentOff: 5 }, /code must be 3–40 letters/),
        codeCase('maxUses 0', { code: 'MAX', percentOff: 5, maxUses: 0 }, /maxUses must be an integer from 1/),
        codeCase(
          'local time',
          { code: 'WIN', percentOff: 5, startsAt: '2027-03-01T18:00:00' },
          /startsAt must be an ISO 8601 date-time with Z/,
        ),
        codeCase(
          'empty window',
          { code: 'WIN', percentOff: 5, startsAt: hour, endsAt: hour },
          /endsAt .* must be after startsAt/,
        ),
        codeCase(
          'bundle and creator',
          { code: 'BC', percentOff: 5, bundleId: publishedId, creatorId: users.creator.id },
          /bundleId or creatorId, not both/,
        ),
        {
          name: 'admin without a scope',
          method: 'post',
          url: '/v1/discount-codes',
          as: 'admin',
          body: { code: 'ADM', percentOff: 5 },
          status: 400,
          message: /admins give bundleId, or creatorId/,
        },
        {
          name: 'no such bundle',
          method: 'post',
          url: '/v1/discount-codes',
          as: 'creator',
          body: { code: 'GONE', percentOff: 5, bundleId: randomUUID() },
          status: 404,
          message: /bundle .* not found/,
        },
        {
          name: 'buyer',
          method: 'post',
          url: '/v1/discount-codes',
          as: 'buyer',
          body: { code: 'BUY', percentOff: 5 },
          status: 403,
          message: /creator role/,
        },
        ...(
          [
            ['creatorId=not-a-uuid', /creatorId must be a UUID/],
            ['creatorId=%00', /NUL/],
            ['junk=1', /junk should not exist/],
          ] as const
        ).map(([query, message]) => ({
          name: `?${query}`,
          method: 'get' as const,
          url: `/v1/discount-codes?${query}`,
          as: 'creator' as const,
          status: 400,
          message,
        })),
        ...idCases('post', '/v1/discount-codes/:id/disable', 'creator'),
        ...bodyCases(
          'post',
          `/v1/bundles/${publishedId}/redeem-batches`,
          'creator',
          { count: 2, label: 'fuzz' },
          { count: { kind: 'int', required: true }, label: { kind: 'string' } },
        ),
        {
          name: 'count 5001',
          method: 'post',
          url: `/v1/bundles/${publishedId}/redeem-batches`,
          as: 'creator',
          body: { count: 5001 },
          status: 400,
          message: /count must not be greater than 5000/,
        },
        {
          name: 'count 0',
          method: 'post',
          url: `/v1/bundles/${publishedId}/redeem-batches`,
          as: 'creator',
          body: { count: 0 },
          status: 400,
          message: /count must not be less than 1/,
        },
        ...idCases('post', '/v1/bundles/:id/redeem-batches', 'creator', { count: 1 }),
        ...idCases('get', '/v1/bundles/:id/redeem-batches', 'creator'),
        ...idCases('get', '/v1/redeem-batches/:id/codes.csv', 'creator'),
        ...idCases('post', '/v1/redeem-batches/:id/revoke', 'creator'),
        ...idCases('post', '/v1/redeem-batches/:id/codes/AAAA/revoke', 'creator'),
        ...['AAAA-BBBB-CCCC-DDDD', 'z'.repeat(5000), '__proto__'].map((code) => ({
          name: `code ${code.slice(0, 20)}`,
          method: 'post' as const,
          url: batchUrl(`/codes/${code}/revoke`),
          as: 'creator' as const,
          status: 404,
          message: /is not in batch/,
        })),
        ...bodyCases(
          'post',
          '/v1/redeem',
          'payer',
          { code: 'AAAA-BBBB-CCCC-DDDD' },
          { code: { kind: 'string', required: true } },
        ),
        ...['', '   ', '!!!!', 'AAAA-BBBB-CCCC-DDDD', 'A'.repeat(24), 'A'.repeat(64)].map((code) => ({
          name: `redeem ${JSON.stringify(code.slice(0, 20))}`,
          method: 'post' as const,
          url: '/v1/redeem',
          as: 'payer' as const,
          body: { code },
          message: /code must not be empty|no redeem code or gift/,
        })),
        {
          name: 'creator-only account',
          method: 'post',
          url: '/v1/redeem',
          as: 'creator',
          body: { code: 'AAAA-BBBB-CCCC-DDDD' },
          status: 403,
          message: /buyer role/,
        },
        ...bodyCases(
          'post',
          `/v1/bundles/${publishedId}/gifts`,
          'payer',
          { recipientEmail: 'friend@example.test', message: 'hi', code: 'NOSUCHCODE', amount: 1500 },
          {
            recipientEmail: { kind: 'email', required: true },
            message: { kind: 'string' },
            code: { kind: 'string' },
            amount: { kind: 'int' },
          },
        ),
        {
          name: 'not an e-mail address',
          method: 'post',
          url: `/v1/bundles/${publishedId}/gifts`,
          as: 'payer',
          body: { recipientEmail: 'friend' },
          status: 400,
          message: /recipientEmail must be an e-mail address/,
        },
        ...idCases('post', '/v1/bundles/:id/gifts', 'payer', { recipientEmail: 'friend@example.test' }),
      ]);
      hit('/v1/gifts');
      await request(http).get('/v1/gifts?x[]=1&__proto__=1').set(users.payer.auth).expect(200);
      expect(await prisma.discountCode.count({ where: { creatorId: users.creator.id } })).toBe(codes);
      expect(await prisma.redeemBatch.count({ where: { bundleId: publishedId } })).toBe(batches + 1);
      expect(await prisma.order.count({ where: { buyerId: users.payer.id } })).toBe(0);
    });
  });

  describe('email gate', () => {
    it('gate settings, sign-ups, confirmations and the fans CSV', async () => {
      const item = await prisma.item.findFirstOrThrow({ where: { bundleId: publishedId } });
      const gateUrl = `/v1/bundles/${publishedId}/email-gate`;
      await expectAllRefused([
        ...bodyCases(
          'put',
          gateUrl,
          'creator',
          { enabled: true, itemIds: [item.id] },
          { enabled: { kind: 'bool', required: true }, 'itemIds.0': { kind: 'uuid' }, itemIds: { kind: 'array' } },
        ),
        {
          name: 'itemIds with enabled: false',
          method: 'put',
          url: gateUrl,
          as: 'creator',
          body: { enabled: false, itemIds: [item.id] },
          status: 400,
          message: /itemIds are for enabled: true/,
        },
        {
          name: 'item of another bundle',
          method: 'put',
          url: gateUrl,
          as: 'creator',
          body: { enabled: true, itemIds: [draftItemId] },
          status: 400,
          message: /is not part of bundle/,
        },
        {
          name: 'buyer',
          method: 'put',
          url: gateUrl,
          as: 'buyer',
          body: { enabled: true },
          status: 403,
          message: /creator role/,
        },
        ...idCases('put', '/v1/bundles/:id/email-gate', 'creator', { enabled: true }),
        ...idCases('get', '/v1/bundles/:id/email-gate', 'anonymous'),
        ...bodyCases(
          'post',
          `${gateUrl}/signups`,
          'anonymous',
          { email: 'fan@example.test' },
          { email: { kind: 'email', required: true } },
        ),
        ...['not an address', 'a@', '@b.example', `${'x'.repeat(250)}@example.test`].map((email): FuzzCase => ({
          name: `email ${email.slice(0, 20)}`,
          method: 'post',
          url: `${gateUrl}/signups`,
          as: 'anonymous',
          body: { email },
          status: 400,
          message: /email/,
        })),
        {
          name: 'not gated',
          method: 'post',
          url: `${gateUrl}/signups`,
          as: 'anonymous',
          body: { email: 'fan@example.test' },
          status: 409,
          message: /not email-gated/,
        },
        ...idCases('post', '/v1/bundles/:id/email-gate/signups', 'anonymous', { email: 'fan@example.test' }),
        ...bodyCases(
          'post',
          '/v1/email-gate/confirm',
          'anonymous',
          { token: 'A'.repeat(43) },
          { token: { kind: 'string', required: true } },
        ),
        ...['short', 'A'.repeat(44), `${'A'.repeat(42)}=`, `${'A'.repeat(42)}/`].map((token): FuzzCase => ({
          name: `token ${token.slice(0, 12)}…(${token.length})`,
          method: 'post',
          url: '/v1/email-gate/confirm',
          as: 'buyer',
          body: { token },
          status: 400,
          message: /token must be the 43-character token/,
        })),
        {
          name: 'unknown token',
          method: 'post',
          url: '/v1/email-gate/confirm',
          as: 'buyer',
          body: { token: 'B'.repeat(43) },
          status: 404,
          message: /confirmation link is not valid/,
        },
        ...idCases('get', '/v1/bundles/:id/email-gate/fans.csv', 'creator'),
        {
          name: 'buyer',
          method: 'get',
          url: `${gateUrl}/fans.csv`,
          as: 'buyer',
          status: 403,
          message: /creator role/,
        },
      ]);
      expect(await prisma.item.count({ where: { bundleId: publishedId, emailGated: true } })).toBe(0);
      expect(await prisma.fanSignup.count({ where: { bundleId: publishedId } })).toBe(0);
    });
  });

  describe('Stripe webhook', () => {
    const url = '/v1/stripe/webhook';
    const signed = (payload: string) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret: E2E_WEBHOOK_SECRET });

    it('refuses garbage, wrong signatures and huge bodies without storing an event', async () => {
      const event = JSON.stringify({
        id: 'evt_fuzz',
        type: 'checkout.session.completed',
        data: { object: { id: 'cs_fuzz' } },
      });
      await expectAllRefused([
        {
          name: 'no body',
          method: 'post',
          url,
          as: 'anonymous',
          headers: { 'Stripe-Signature': 't=1,v1=00' },
          status: 400,
          message: /body is empty/,
        },
        {
          name: 'no signature',
          method: 'post',
          url,
          as: 'anonymous',
          raw: event,
          status: 400,
          message: /Stripe-Signature header is missing/,
        },
        {
          name: 'garbage signature',
          method: 'post',
          url,
          as: 'anonymous',
          raw: event,
          headers: { 'Stripe-Signature': 'garbage' },
          status: 400,
          message: /signature verification failed/,
        },
        {
          name: 'wrong secret',
          method: 'post',
          url,
          as: 'anonymous',
          raw: event,
          headers: {
            'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload: event, secret: 'whsec_wrong' }),
          },
          status: 400,
          message: /signature verification failed/,
        },
        {
          name: 'stale timestamp',
          method: 'post',
          url,
          as: 'anonymous',
          raw: event,
          headers: {
            'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({
              payload: event,
              secret: E2E_WEBHOOK_SECRET,
              timestamp: 1_000_000,
            }),
          },
          status: 400,
          message: /tolerance|timestamp/i,
        },
        {
          name: 'signed for another body',
          method: 'post',
          url,
          as: 'anonymous',
          raw: event.replace('cs_fuzz', 'cs_other'),
          headers: { 'Stripe-Signature': signed(event) },
          status: 400,
          message: /signature verification failed/,
        },
        {
          name: 'not JSON',
          method: 'post',
          url,
          as: 'anonymous',
          raw: 'garbage',
          headers: { 'Stripe-Signature': signed('garbage') },
          status: 400,
          message: /not valid JSON/,
        },
        {
          name: 'form body',
          method: 'post',
          url,
          as: 'anonymous',
          raw: 'a=b',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Stripe-Signature': signed('a=b') },
          status: 400,
          message: /application\/json/,
        },
        {
          name: 'text body',
          method: 'post',
          url,
          as: 'anonymous',
          raw: event,
          headers: { 'Content-Type': 'text/plain', 'Stripe-Signature': signed(event) },
          status: 400,
          message: /application\/json/,
        },
        {
          name: '2 MB body',
          method: 'post',
          url,
          as: 'anonymous',
          raw: JSON.stringify({ id: 'evt_fuzz_big', pad: 'x'.repeat(2 * 1024 * 1024) }),
          headers: { 'Stripe-Signature': 't=1,v1=00' },
          status: 413,
          message: /too large/,
        },
        {
          name: 'signed event without data',
          method: 'post',
          url,
          as: 'anonymous',
          raw: '{"id":"evt_fuzz_nodata","type":"charge.refunded"}',
          headers: { 'Stripe-Signature': signed('{"id":"evt_fuzz_nodata","type":"charge.refunded"}') },
          status: 400,
          message: /webhook event is malformed/,
        },
        ...['null', '[]', '"evt"'].map((body) => ({
          name: `signed ${body}`,
          method: 'post' as const,
          url,
          as: 'anonymous' as const,
          raw: body,
          headers: { 'Stripe-Signature': signed(body) },
          status: 400,
          message: /webhook event is malformed/,
        })),
        {
          name: 'signed event without id',
          method: 'post',
          url,
          as: 'anonymous',
          raw: '{"type":"charge.refunded","data":{"object":{}}}',
          headers: { 'Stripe-Signature': signed('{"type":"charge.refunded","data":{"object":{}}}') },
          status: 400,
          message: /webhook event is malformed/,
        },
      ]);
      // Every event id of this table starts with evt_fuzz.
      expect(await prisma.stripeEvent.count({ where: { id: { startsWith: 'evt_fuzz' } } })).toBe(0);
    });
  });

  describe('BitTorrent: tracker and webseed', () => {
    /** Tracker failures are bencoded `failure reason`s with 200 (BEP 3): clients show the reason. */
    async function expectTrackerFailure(path: string, reason: RegExp): Promise<void> {
      hit(path);
      const res = await request(http)
        .get(path)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect({ path: path.slice(0, 80), status: res.status }).toEqual({ path: path.slice(0, 80), status: 200 });
      expect((res.body as Buffer).toString('latin1')).toMatch(
        new RegExp(`^d14:failure reason\\d+:.*${reason.source}`, 's'),
      );
    }
    const hash20 = '%AA'.repeat(20);
    const peer = `peer_id=${'%BB'.repeat(20)}`;

    it('announce: missing and malformed parameters get a failure reason', async () => {
      const cases: [string, RegExp][] = [
        ['/announce', /info_hash/],
        [`/announce?info_hash=${hash20}`, /peer_id|port/],
        [`/announce?info_hash=short&${peer}&port=1`, /info_hash/],
        [`/announce?info_hash=${hash20}&info_hash=${hash20}&${peer}&port=1`, /info_hash/],
        [`/announce?info_hash=${hash20}&${peer}&port=abc`, /port|info_hash/],
        [`/announce?info_hash=${hash20}&${peer}&port=99999999999999999999`, /port|info_hash/],
        [`/announce?info_hash=${hash20}&${peer}&port=-1&left=-5&uploaded=1e309`, /port|info_hash/],
        [`/announce?info_hash=${hash20}&${peer}&port=6881&event=explode`, /event|info_hash/],
        [`/announce?info_hash=${hash20}&${peer}&port=6881&numwant=9223372036854775808`, /unknown info_hash/],
        [`/announce?info_hash=${hash20}&peer_id=%00&port=6881`, /peer_id|info_hash/],
        [`/announce?info_hash=%ZZ&${peer}&port=6881`, /info_hash/],
        [`/announce?info_hash=${'%AA'.repeat(2000)}&${peer}&port=6881`, /info_hash/],
        [`/announce?__proto__=1&constructor=2&info_hash=${hash20}&${peer}&port=6881`, /unknown info_hash/],
      ];
      for (const [path, reason] of cases) await expectTrackerFailure(path, reason);
    });

    it('scrape: missing, short, too many and malformed info_hash values', async () => {
      const cases: [string, RegExp][] = [
        ['/scrape', /full scrape is not supported/],
        ['/scrape?info_hash=abc', /expected 20 bytes/],
        ['/scrape?info_hash=%ZZ%ZZ', /expected 20 bytes/],
        [`/scrape?${Array.from({ length: 65 }, () => `info_hash=${hash20}`).join('&')}`, /at most 64/],
        [`/scrape?info_hash=${'%AA'.repeat(21)}`, /expected 20 bytes/],
      ];
      for (const [path, reason] of cases) await expectTrackerFailure(path, reason);
    });

    it('webseed: bad paths and ranges', async () => {
      const file = `/webseed/${publishedSlug}/${encodeURIComponent(lockedPath)}`;
      await expectAllRefused([
        { name: 'no path', method: 'get', url: '/webseed/', as: 'anonymous', status: 404, message: /./ },
        {
          name: 'slug only',
          method: 'get',
          url: `/webseed/${publishedSlug}`,
          as: 'anonymous',
          status: 404,
          message: /expected \/webseed/,
        },
        {
          name: 'dot-dot',
          method: 'get',
          url: `/webseed/${publishedSlug}/%2e%2e/x`,
          as: 'anonymous',
          status: 400,
          message: /"\.\."/,
        },
        {
          name: 'encoded slash',
          method: 'get',
          url: `/webseed/${publishedSlug}/a%2Fb`,
          as: 'anonymous',
          status: 400,
          message: /"\/"/,
        },
        {
          name: 'NUL',
          method: 'get',
          url: `/webseed/${publishedSlug}/a%00b`,
          as: 'anonymous',
          status: 400,
          message: /NUL/,
        },
        {
          name: 'invalid UTF-8',
          method: 'get',
          url: `/webseed/${publishedSlug}/%C3%28`,
          as: 'anonymous',
          status: 400,
          message: /Failed to decode param/,
        },
        {
          name: 'pad 0',
          method: 'get',
          url: `/webseed/${publishedSlug}/.pad/0`,
          as: 'anonymous',
          status: 404,
          message: /pad file size/,
        },
        {
          name: 'pad -1',
          method: 'get',
          url: `/webseed/${publishedSlug}/.pad/-1`,
          as: 'anonymous',
          status: 404,
          message: /pad file size/,
        },
        {
          name: 'pad huge',
          method: 'get',
          url: `/webseed/${publishedSlug}/.pad/99999999999999`,
          as: 'anonymous',
          status: 404,
          message: /pad file size/,
        },
        {
          name: 'pad of a piece',
          method: 'get',
          url: `/webseed/${publishedSlug}/.pad/16384`,
          as: 'anonymous',
          status: 404,
          message: /no such file/,
        },
        {
          name: 'long path',
          method: 'get',
          url: `/webseed/${publishedSlug}/${'p'.repeat(8000)}`,
          as: 'anonymous',
          status: 404,
          message: /no such file/,
        },
        {
          name: 'range past the end',
          method: 'get',
          url: file,
          as: 'anonymous',
          headers: { Range: 'bytes=99999999-' },
          status: 416,
          message: /range not satisfiable/,
        },
        {
          name: 'empty suffix range',
          method: 'get',
          url: file,
          as: 'anonymous',
          headers: { Range: 'bytes=-0' },
          status: 416,
          message: /range not satisfiable/,
        },
      ]);
      // Malformed or multiple ranges are ignored (RFC 9110 §14.2): the whole file, never an error.
      for (const range of [
        'bytes=abc',
        'bytes=5-1',
        'bytes=0-1,4-5',
        'items=0-1',
        `bytes=${'9'.repeat(30)}-`,
        'bytes=-',
        'bytes=1e3-',
      ]) {
        const res = await request(http)
          .get(file)
          .set('Range', range)
          .buffer(true)
          .parse((r, cb) => {
            (r as unknown as NodeJS.ReadableStream).resume();
            r.on('end', () => cb(null, null));
          });
        expect({ range, status: res.status }).toEqual({ range, status: 200 });
      }
    });
  });

  describe('tus uploads', () => {
    const TUS = { 'Tus-Resumable': '1.0.0' };
    const meta = (m: Record<string, string>) =>
      Object.entries(m)
        .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
        .join(',');
    const create = (headers: Record<string, string>) =>
      request(http).post('/v1/uploads').set(users.creator.auth).set(TUS).set(headers);

    it('refuses bad Upload-Length and Upload-Metadata with JSON errors and records nothing', async () => {
      const uploads = await prisma.upload.count({ where: { creatorId: users.creator.id } });
      const good = meta({ bundleId: draftId, itemId: draftItemId });
      const cases: FuzzCase[] = [
        ...['', '-1', 'abc', '1e3', '1.5', '1, 2', '0x10'].map((length) => ({
          name: `Upload-Length ${JSON.stringify(length)}`,
          method: 'post' as const,
          url: '/v1/uploads',
          as: 'creator' as const,
          headers: { ...TUS, 'Upload-Length': length, 'Upload-Metadata': good },
          status: 400,
          message: /Upload-Length/,
        })),
        {
          name: 'Upload-Length 2^63',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: { ...TUS, 'Upload-Length': '9223372036854775808', 'Upload-Metadata': good },
          status: 413,
          message: /per-file limit/,
        },
        {
          name: 'Upload-Length 400 digits',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: { ...TUS, 'Upload-Length': '9'.repeat(400), 'Upload-Metadata': good },
          status: 413,
          message: /per-file limit/,
        },
        ...['bundleId', 'bundleId !!!', `bundleId ${Buffer.from(draftId).toString('base64')},bundleId x`, 'a b c'].map(
          (header) => ({
            name: `Upload-Metadata ${JSON.stringify(header.slice(0, 30))}`,
            method: 'post' as const,
            url: '/v1/uploads',
            as: 'creator' as const,
            headers: { ...TUS, 'Upload-Length': '10', 'Upload-Metadata': header },
            status: 400,
            message: /Upload-Metadata/,
          }),
        ),
        {
          name: 'no metadata',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: { ...TUS, 'Upload-Length': '10' },
          status: 400,
          message: /bundleId/,
        },
        {
          name: 'bundleId not a uuid',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: {
            ...TUS,
            'Upload-Length': '10',
            'Upload-Metadata': meta({ bundleId: 'nope', itemId: draftItemId }),
          },
          status: 400,
          message: /bundleId/,
        },
        {
          name: 'itemId not a uuid',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: { ...TUS, 'Upload-Length': '10', 'Upload-Metadata': meta({ bundleId: draftId, itemId: 'nope' }) },
          status: 400,
          message: /itemId/,
        },
        {
          name: 'path with NUL',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: { ...TUS, 'Upload-Length': '10', 'Upload-Metadata': meta({ bundleId: draftId, path: 'a\u0000b' }) },
          status: 400,
          message: /NUL/,
        },
        // Invalid UTF-8 decodes to U+FFFD, a path no item can have.
        {
          name: 'path of invalid UTF-8',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: {
            ...TUS,
            'Upload-Length': '10',
            'Upload-Metadata': `bundleId ${Buffer.from(draftId).toString('base64')},path ${Buffer.from([0xc3, 0x28]).toString('base64')}`,
          },
          status: 404,
          message: /not found/,
        },
        {
          name: 'long path',
          method: 'post',
          url: '/v1/uploads',
          as: 'creator',
          headers: {
            ...TUS,
            'Upload-Length': '10',
            'Upload-Metadata': meta({ bundleId: draftId, path: 'p'.repeat(6000) }),
          },
          status: 404,
          message: /not found/,
        },
        {
          name: 'buyer',
          method: 'post',
          url: '/v1/uploads',
          as: 'buyer',
          headers: { ...TUS, 'Upload-Length': '10', 'Upload-Metadata': good },
          status: 403,
          message: /creator role/,
        },
        ...['nope', '0'.repeat(32).replace(/0$/, 'g'), 'x'.repeat(5000), '%00', '..%2F..%2Fetc'].map((id) => ({
          name: `HEAD-less PATCH on upload ${id.slice(0, 20)}`,
          method: 'patch' as const,
          url: `/v1/uploads/${id}`,
          as: 'creator' as const,
          headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
          message: /not found|NUL/,
        })),
        {
          name: 'POST to an upload URL',
          method: 'post',
          url: `/v1/uploads/${'0'.repeat(32)}`,
          as: 'creator',
          headers: { ...TUS, 'Upload-Length': '10', 'Upload-Metadata': good },
          status: 405,
          message: /created with POST \/v1\/uploads/,
        },
      ];
      await expectAllRefused(cases);
      expect(await prisma.upload.count({ where: { creatorId: users.creator.id } })).toBe(uploads);
      expect(await prisma.item.findUniqueOrThrow({ where: { id: draftItemId } })).toMatchObject({
        status: 'AWAITING_UPLOAD',
      });
    });

    it('PATCH with a wrong offset, past the declared length or with the wrong content type is refused; the upload keeps its bytes', async () => {
      const created = await create({
        'Upload-Length': '10',
        'Upload-Metadata': meta({ bundleId: draftId, itemId: draftItemId }),
      }).expect(201);
      const url = new URL(created.headers.location, 'http://x').pathname;
      const patch = (offset: string, body: Buffer, type = 'application/offset+octet-stream') =>
        request(http)
          .patch(url)
          .set(users.creator.auth)
          .set(TUS)
          .set('Upload-Offset', offset)
          .set('Content-Type', type)
          .send(body);
      const refusals: [request.Test, number, RegExp][] = [
        [patch('5', Buffer.alloc(2)), 409, /offset/i],
        [patch('-1', Buffer.alloc(2)), 400, /upload-offset/i],
        [patch('abc', Buffer.alloc(2)), 400, /upload-offset/i],
        [patch('1e1', Buffer.alloc(2)), 400, /upload-offset/i],
        [patch('0', Buffer.alloc(2), 'application/json'), 400, /content-type/i],
        [patch('0', Buffer.alloc(2), 'text/plain'), 400, /content-type/i],
        [patch('0', Buffer.alloc(11)), 413, /length|size/i],
        // @tus/server answers a missing Upload-Offset with 403 (its MISSING_OFFSET).
        [
          request(http)
            .patch(url)
            .set(users.creator.auth)
            .set(TUS)
            .set('Content-Type', 'application/offset+octet-stream')
            .send(Buffer.alloc(1)),
          403,
          /upload-offset/i,
        ],
        [
          request(http)
            .patch(url)
            .set(users.creator.auth)
            .set('Upload-Offset', '0')
            .set('Content-Type', 'application/offset+octet-stream')
            .send(Buffer.alloc(1)),
          412,
          /Tus-Resumable/,
        ],
      ];
      for (const [req, status, reason] of refusals) {
        const res = await req;
        expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.stringMatching(reason) });
      }
      const head = await request(http).head(url).set(users.creator.auth).set(TUS).expect(200);
      expect(head.headers['upload-offset']).toBe('0');
      await patch('0', Buffer.alloc(4)).expect(204);
      await patch('4', Buffer.alloc(7)).expect(413);
      expect(
        (await request(http).head(url).set(users.creator.auth).set(TUS).expect(200)).headers['upload-offset'],
      ).toBe('4');
      expect(await prisma.item.findUniqueOrThrow({ where: { id: draftItemId } })).toMatchObject({
        status: 'UPLOADING',
        size: null,
      });
      await request(http).delete(url).set(users.creator.auth).set(TUS).expect(204);
    });
  });

  // Last in the file: the cases above have been sent by now.
  it('sent malformed input to every path of the OpenAPI document', async () => {
    const doc = (await request(http).get('/docs/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    const sent = [...hits];
    const missed = Object.keys(doc.paths).filter((template) => {
      // `{path}` is a wildcard (tus, webseed): any rest of the path.
      const pattern = new RegExp(`^${template.replace(/\{path\}$/, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return !sent.some((path) => pattern.test(path));
    });
    expect(missed).toEqual([]);
    // The `{"__proto__": {"isAdmin": true}}` bodies polluted nothing.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
