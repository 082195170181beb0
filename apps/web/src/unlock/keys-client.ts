import { encodeBase64url } from './bytes';
import type { DeviceStore } from './device-store';
import { UnlockError, type UnlockErrorCode } from './errors';
import { importContentKey, type PieceKeySource } from './piece-keys';
import { openDelivery, PREVIEW_ID, type SealedKeySet } from './sealed-delivery';

/**
 * Fetching keys as a device (docs/key-scheme.md): register this browser's public key with the
 * license (once; the license's device limit counts it), ask for the keys sealed to it, open them
 * here. Nothing secret is sent: only the public key and ids.
 */

/** `fetch` for the REST API: `path` below `/v1`, the caller adds the session's bearer token. */
export type ApiFetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface ItemKeys {
  itemId: string;
  keys: PieceKeySource;
  /** Hex SHA-256 of the plaintext: license deliveries (v2) only. */
  plaintextSha256: string | null;
  /** Hex plaintext piece root (docs/key-scheme.md): license deliveries of items ingested with one. */
  plaintextPieceRoot: string | null;
}

/** The keys of `itemIds` (default: every ready locked item) of license `licenseId`, opened on this browser. */
export async function licenseKeys(
  api: ApiFetch,
  store: DeviceStore,
  licenseId: string,
  itemIds?: readonly string[],
): Promise<Map<string, ItemKeys>> {
  const device = await store.key();
  for (let attempt = 0; ; attempt++) {
    const deviceId = await ensureRegistered(api, store, licenseId, encodeBase64url(device.publicKey));
    const body = { deviceId, ...(itemIds ? { items: itemIds.map((itemId) => ({ itemId })) } : {}) };
    const res = await call(api, `/licenses/${licenseId}/keys`, body);
    if (!res.ok) {
      const message = await serverMessage(res);
      // A device removed from the license (or unknown to it) registers again, once.
      if ((res.status === 403 || res.status === 404) && /device/i.test(message) && attempt === 0) {
        await store.forgetRegistration(licenseId);
        continue;
      }
      throw licenseError(res.status, message);
    }
    const opened = await openDelivery(device, deviceId, licenseId, (await res.json()) as SealedKeySet);
    return itemKeys(opened.items);
  }
}

/** Preview keys (pieces below each item's `previewPieces`) of a published bundle: no account needed. */
export async function previewKeys(
  api: ApiFetch,
  store: DeviceStore,
  bundleId: string,
  itemIds?: readonly string[],
): Promise<Map<string, ItemKeys>> {
  const device = await store.key();
  const body = {
    publicKey: encodeBase64url(device.publicKey),
    ...(itemIds ? { items: itemIds.map((itemId) => ({ itemId })) } : {}),
  };
  const res = await call(api, `/bundles/${bundleId}/preview-keys`, body);
  if (res.status === 404) throw new UnlockError('NO_PREVIEW', 'this film has no free preview', { status: 404 });
  if (!res.ok) throw licenseError(res.status, await serverMessage(res));
  const opened = await openDelivery(device, PREVIEW_ID, PREVIEW_ID, (await res.json()) as SealedKeySet);
  return itemKeys(opened.items);
}

async function ensureRegistered(
  api: ApiFetch,
  store: DeviceStore,
  licenseId: string,
  publicKey: string,
): Promise<string> {
  const known = await store.registration(licenseId);
  if (known) return known;
  const res = await call(api, `/licenses/${licenseId}/devices`, { publicKey, name: browserName() });
  if (res.status === 409)
    throw new UnlockError(
      'DEVICE_LIMIT',
      `this browser cannot be added to your license: ${await serverMessage(res)}. Remove a device you no longer use in your library, then try again`,
      { status: 409 },
    );
  if (!res.ok) throw licenseError(res.status, await serverMessage(res));
  const device = (await res.json()) as { id: string };
  await store.saveRegistration(licenseId, device.id);
  return device.id;
}

async function itemKeys(items: Awaited<ReturnType<typeof openDelivery>>['items']): Promise<Map<string, ItemKeys>> {
  const out = new Map<string, ItemKeys>();
  for (const it of items) {
    if (it.kind === 'content') {
      const contentKey = await importContentKey(it.contentKey);
      it.contentKey.fill(0);
      out.set(it.itemId, {
        itemId: it.itemId,
        keys: { kind: 'content', contentKey },
        plaintextSha256: it.plaintextSha256,
        plaintextPieceRoot: it.plaintextPieceRoot,
      });
    } else {
      out.set(it.itemId, {
        itemId: it.itemId,
        keys: { kind: 'pieces', first: it.first, keys: it.keys },
        plaintextSha256: null,
        plaintextPieceRoot: null,
      });
    }
  }
  return out;
}

async function call(api: ApiFetch, path: string, body: unknown): Promise<Response> {
  try {
    return await api(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new UnlockError(
      'API_UNREACHABLE',
      `the platform did not answer (${(err as Error).message}); check your connection and retry`,
      {},
      { cause: err },
    );
  }
}

async function serverMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown };
    const m = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    return typeof m === 'string' && m ? m : `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** The API's refusal as a typed error the page can act on. */
export function licenseError(status: number, message: string): UnlockError {
  const typed = (code: UnlockErrorCode, text: string) => new UnlockError(code, text, { status });
  if (status === 401) return typed('NOT_LOGGED_IN', 'your session has ended: log in again to watch or download');
  if (status === 410) return typed('TAKEN_DOWN', `this film was taken down: ${message}`);
  if (status === 429)
    return typed('RATE_LIMITED', `too many key requests right now: ${message}. Wait a minute and retry`);
  if (status === 403 && /suspend|dispute/i.test(message))
    return typed('LICENSE_SUSPENDED', `your license is suspended while a payment dispute is open: ${message}`);
  if (status === 403 && /revok|refund/i.test(message))
    return typed(
      'LICENSE_REVOKED',
      `your license was revoked (the order was refunded or the license withdrawn): ${message}`,
    );
  if (/releas|premiere/i.test(message)) return typed('NOT_RELEASED', `not released yet: ${message}`);
  if (status === 409) return typed('NOT_READY', `not ready yet: ${message}`);
  if (status === 404) return typed('NO_LICENSE', `no license for this film on your account: ${message}`);
  return typed('API_ERROR', `the platform refused: ${message}`);
}

function browserName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  return `${browser} (web)`;
}
