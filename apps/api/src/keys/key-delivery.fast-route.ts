import { Inject, Injectable, ParseUUIDPipe, ValidationPipe } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { IncomingMessage } from 'node:http';
import bytes from 'bytes';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { BearerAuthenticator } from '../auth/bearer-authenticator';
import type { FastExchange, FastHandler, FastRoute } from '../common/fast-path';
import { parseJsonBody } from '../common/json-body';
import { createValidationPipe } from '../common/validation';
import { RequestKeysDto } from './dtos/request-keys.dto';
import { sayWhenToRetry, sendSealed, tooEarly } from './key-answers';
import { KeyDeliveryService, NotReleasedException } from './key-delivery.service';
import { KeyDeliveryStore, LicenseRow } from './key-delivery.store';

const KEYS_PATH = /^\/v1\/licenses\/([0-9A-Fa-f-]{36})\/keys$/;
/** What ParseUUIDPipe passes (any version), and so what PostgreSQL reads as a uuid. */
const UUID_FORM = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/**
 * `POST /v1/licenses/:id/keys` ahead of Express (docs/architecture.md, fast path): the same steps
 * and answers as KeysController behind the global guard and pipes, in the same order — the JSON
 * body (as Express's parser reads it), the bearer token (BearerAuthenticator), the id
 * (ParseUUIDPipe), the body (RequestKeysDto through the global ValidationPipe, or a hand check of
 * the usual `{deviceId}` that the pipe would pass unchanged), then KeyDeliveryService, which
 * rate-limits, re-checks the license and device and audits the delivery before the keys leave.
 * For the usual request whose token is not cached yet (a premiere's first requests), the token and
 * the license are read in one statement (BearerAuthenticator.requireUserWith), and only the
 * answers' order is kept: 401, then 400, then 429, then the license's own.
 * Requests whose body Express would read differently (chunked, compressed, another content type or
 * charset, empty, over BODY_LIMIT) and URLs not in this exact form are left to Express.
 */
@Injectable()
export class KeyDeliveryFastRoute implements FastRoute {
  private readonly bodyLimit: number;
  private readonly uuidPipe = new ParseUUIDPipe();
  private readonly validation: ValidationPipe = createValidationPipe();

  constructor(
    private readonly keys: KeyDeliveryService,
    private readonly store: KeyDeliveryStore,
    private readonly bearer: BearerAuthenticator,
    @Inject(KEYSEED_CONFIG) config: KeyseedConfig,
  ) {
    this.bodyLimit = bytes.parse(config.BODY_LIMIT) ?? 0;
  }

  match(req: IncomingMessage): FastHandler | null {
    if (req.method !== 'POST') return null;
    const path = KEYS_PATH.exec(req.url ?? '');
    if (!path) return null;
    const { headers } = req;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= this.bodyLimit)) return null;
    if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return null;
    if (!JSON_TYPES.has(headers['content-type']?.toLowerCase() ?? '')) return null;
    return (exchange) => this.deliver(exchange, path[1]);
  }

  private async deliver(exchange: FastExchange, id: string): Promise<void> {
    const { req, res } = exchange;
    const raw = await readBody(req);
    if (!raw) return; // the client went away mid-body: nobody to answer
    const body = parseJsonBody(raw);
    const usual = isDeviceOnly(body) && UUID_FORM.test(id);
    let user: AuthenticatedUser;
    let license: LicenseRow | null | undefined;
    if (usual) {
      ({ user, rows: license } = await this.bearer.requireUserWith(req.headers.authorization, (tokenHash) =>
        this.store.tokenAndLicense(tokenHash, id, body.deviceId),
      ));
    } else user = await this.bearer.requireUser(req.headers.authorization);
    await this.uuidPipe.transform(id, { type: 'param', data: 'id' });
    const dto = isDeviceOnly(body)
      ? body
      : ((await this.validation.transform(body, { type: 'body', metatype: RequestKeysDto })) as RequestKeysDto);
    let sealed: string;
    try {
      sealed = await this.keys.deliver(user.id, id, dto.deviceId, dto.items, exchange.address, license);
    } catch (err) {
      sayWhenToRetry(res, err);
      if (!(err instanceof NotReleasedException)) throw err;
      const answer = tooEarly(err);
      res.setHeader('Retry-After', answer.retryAfter);
      return exchange.json(425, answer.body);
    }
    sendSealed(res, sealed);
  }
}

/** `{"deviceId": "<uuid>"}` and nothing else: what RequestKeysDto's validation passes as it is. */
function isDeviceOnly(body: unknown): body is RequestKeysDto {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  return keys.length === 1 && keys[0] === 'deviceId' && isUUID((body as RequestKeysDto).deviceId);
}

/** The whole body (Node's parser stops at Content-Length), or null when the client aborts. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', () => resolve(null));
    req.once('close', () => resolve(null));
  });
}
