import { KeyObject, createCipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { DELIVER_INFO, DevicePublicKey, SEAL_ALG, deliveryAad } from '@keyseed/crypto';

const NONCE_BYTES = 12;

/** Test vectors only: a fixed ephemeral key and nonce make the seal deterministic. */
export interface SealBodyTestOnly {
  ephemeralPrivateKey: KeyObject;
  nonce: Buffer;
}

/**
 * `sealKeySet` of @keyseed/crypto (docs/key-scheme.md) for a payload that is already serialised, returning
 * the response body `{"alg","epk","nonce","ciphertext"}`, JSON text of ASCII characters only: the
 * same wire form, without serialising the payload and the response through objects per request.
 * Fresh ephemeral key and nonce per call; the plaintext chunks are encrypted in order (GCM
 * streams) and not kept.
 */
export function sealedBody(
  device: DevicePublicKey,
  licenseId: string,
  deviceId: string,
  payload: readonly Buffer[],
  testOnly?: SealBodyTestOnly,
): string {
  const eph = testOnly?.ephemeralPrivateKey ?? generateKeyPairSync('x25519').privateKey;
  // JWK export gives E as base64url directly (≈50× cheaper than exporting SPKI DER).
  const epk = eph.export({ format: 'jwk' }).x as string;
  const epkRaw = Buffer.from(epk, 'base64url');
  const nonce = testOnly?.nonce ?? randomBytes(NONCE_BYTES);

  const z = diffieHellman({ privateKey: eph, publicKey: device.keyObject });
  const w = Buffer.from(hkdfSync('sha256', z, Buffer.concat([epkRaw, device.raw]), DELIVER_INFO, 32));
  z.fill(0);
  const cipher = createCipheriv('aes-256-gcm', w, nonce);
  w.fill(0);
  cipher.setAAD(deliveryAad(licenseId, deviceId));
  const parts = payload.map((chunk) => cipher.update(chunk));
  parts.push(cipher.final(), cipher.getAuthTag());
  const ciphertext = Buffer.concat(parts).toString('base64url');
  // One flat one-byte string: http writes it with the headers in one go (a Buffer body is a second write).
  return `{"alg":"${SEAL_ALG}","epk":"${epk}","nonce":"${nonce.toString('base64url')}","ciphertext":"${ciphertext}"}`;
}
